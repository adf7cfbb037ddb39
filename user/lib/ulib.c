// The small C library every user program links: strings, memory,
// numbers, line input, stat(), the sbrk policy wrappers and nsec().
// No locale, no errno, no buffering beyond what a call needs.
#include "user.h"

// The raw sbrk system call: mode 0 = system policy, 1 = lazy, 2 = eager.
char *__sbrk(int n, int mode);

// Copy the NUL-terminated string src into dst; returns dst.
char *
strcpy(char *dst, const char *src)
{
  char *d = dst;

  while ((*d++ = *src++) != 0)
    ;
  return dst;
}

// Compare two strings as unsigned bytes; <0, 0 or >0.
int
strcmp(const char *a, const char *b)
{
  while (*a && *a == *b) {
    a++;
    b++;
  }
  return (uchar)*a - (uchar)*b;
}

// Compare at most n bytes of two strings; <0, 0 or >0.
int
strncmp(const char *a, const char *b, uint n)
{
  for (; n > 0; n--, a++, b++) {
    if (*a != *b || *a == 0)
      return (uchar)*a - (uchar)*b;
  }
  return 0;
}

// Length of s, not counting the NUL.
uint
strlen(const char *s)
{
  uint n = 0;

  while (s[n])
    n++;
  return n;
}

// First occurrence of c in s, or 0 if absent.
char *
strchr(const char *s, char c)
{
  for (; *s; s++) {
    if (*s == c)
      return (char *)s;
  }
  return 0;
}

// Fill n bytes at dst with the byte c; returns dst.
void *
memset(void *dst, int c, uint n)
{
  uchar *d = dst;

  while (n > 0 && ((uint64)d & 7)) {
    *d++ = (uchar)c;
    n--;
  }
  // Eight bytes a store once aligned: zeroing pages is common.
  uint64 w = (uchar)c;
  w |= w << 8;
  w |= w << 16;
  w |= w << 32;
  uint64 *wd = (uint64 *)d;
  for (; n >= 32; n -= 32, wd += 4) {
    wd[0] = w;
    wd[1] = w;
    wd[2] = w;
    wd[3] = w;
  }
  for (; n >= 8; n -= 8)
    *wd++ = w;
  d = (uchar *)wd;
  while (n-- > 0)
    *d++ = (uchar)c;
  return dst;
}

// Copy n bytes; the ranges may overlap. Returns dst.
void *
memmove(void *dst, const void *src, int n)
{
  uchar *d = dst;
  const uchar *s = src;

  if (n <= 0 || d == s)
    return dst;
  if (d < s || d >= s + n) {
    while (n-- > 0)
      *d++ = *s++;
  } else {
    // Destination overlaps the tail of the source: copy backwards.
    d += n;
    s += n;
    while (n-- > 0)
      *--d = *--s;
  }
  return dst;
}

// Copy n bytes between non-overlapping ranges (overlap is tolerated too).
void *
memcpy(void *dst, const void *src, uint n)
{
  return memmove(dst, src, (int)n);
}

// Compare n bytes as unsigned; <0, 0 or >0.
int
memcmp(const void *a, const void *b, uint n)
{
  const uchar *p = a, *q = b;

  for (; n > 0; n--, p++, q++) {
    if (*p != *q)
      return *p - *q;
  }
  return 0;
}

// Parse an optionally signed decimal number after leading blanks.
int
atoi(const char *s)
{
  int neg = 0, n = 0;

  while (*s == ' ' || *s == '\t')
    s++;
  if (*s == '-' || *s == '+')
    neg = (*s++ == '-');
  while (*s >= '0' && *s <= '9')
    n = n * 10 + (*s++ - '0');
  return neg ? -n : n;
}

// Read a line from fd 0 into buf (at most max-1 bytes, newline kept),
// NUL-terminated. An empty string means end of file.
char *
gets(char *buf, int max)
{
  int i = 0;
  char c;

  while (i + 1 < max) {
    if (read(0, &c, 1) < 1)
      break;
    buf[i++] = c;
    if (c == '\n' || c == '\r')
      break;
  }
  buf[i] = 0;
  return buf;
}

// stat() by name: open, fstat, close. Returns 0 or -1.
int
stat(const char *path, struct stat *st)
{
  int fd, r;

  fd = open(path, O_RDONLY);
  if (fd < 0)
    return -1;
  r = fstat(fd, st);
  close(fd);
  return r;
}

// Grow or shrink the heap by n bytes under the system's current policy.
// Returns the old break, or SBRK_ERROR (nothing changed): also for a
// shrink below the start of the heap (2025 xv6 returns the old break).
char *
sbrk(int n)
{
  return __sbrk(n, 0);
}

// Grow the heap by n bytes, frames allocated on first touch.
char *
sbrklazy(int n)
{
  return __sbrk(n, 1);
}

// Grow the heap by n bytes, frames allocated and mapped now.
char *
sbrkeager(int n)
{
  return __sbrk(n, 2);
}

// 2025 xv6 renamed sleep(ticks) to pause(ticks); both work here.
int
pause(int ticks)
{
  return sleep(ticks);
}

// Nanoseconds since boot from the time CSR: no trap, QEMU virt's timer
// runs at 10 MHz so one tick is 100 ns. Needs scounteren.TM set.
uint64
nsec(void)
{
  uint64 t;

  asm volatile("rdtime %0" : "=r"(t));
  return t * 100;
}

// Demand-paged exec maps text and data on first touch; see user.h.
#define PREFAULT_STACK_MAX 16
static void
prefault_stack(int pages)
{
  volatile char pad[PREFAULT_STACK_MAX * PGSIZE];

  if (pages > PREFAULT_STACK_MAX)
    pages = PREFAULT_STACK_MAX;
  // The stack grows down: touch the pages nearest the caller first.
  for (int i = 1; i <= pages; i++)
    pad[sizeof(pad) - i * PGSIZE] = 0;
}

void
prefault_image(int stack_pages)
{
  struct regioninfo r[16];
  int n = procregions(getpid(), r, 16);

  for (int i = 0; i < n; i++) {
    if (r[i].kind != RK_TEXT && r[i].kind != RK_DATA)
      continue;
    for (uint64 va = r[i].start; va < r[i].end; va += PGSIZE) {
      volatile char *b = (volatile char *)va;
      char c = *b;
      if (r[i].prot & PROT_WRITE)
        *b = c;
    }
  }
  if (stack_pages > 0)
    prefault_stack(stack_pages);
}
