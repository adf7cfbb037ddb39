// Memory and string helpers for the kernel (no libc here).
// memset/memmove move 8 bytes at a time once both sides are aligned,
// because zeroing and copying whole pages is on the fork/fault hot path.
// Not responsible for user memory: see copyin/copyout in vm/uaccess.c.
#include "types.h"
#include "lib/klib.h"

// The compiler may recognise a byte loop as "memset" and emit a call to the
// very function being defined; forbid that pattern rewrite here.
#define NO_LOOP_CALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))

#define WORD sizeof(uint64)
#define WORD_MASK (WORD - 1)

// Fill n bytes at dst with the byte c. Returns dst.
NO_LOOP_CALLS void *
memset(void *dst, int c, uint n)
{
  uchar *d = (uchar *)dst;
  uchar byte = (uchar)c;

  // Byte stores until dst is word-aligned.
  while (n > 0 && ((uint64)d & WORD_MASK) != 0) {
    *d++ = byte;
    n--;
  }
  if (n >= WORD) {
    uint64 pattern = byte * 0x0101010101010101UL;
    uint64 *w = (uint64 *)d;
    // Unrolled by four: a page is 512 words.
    while (n >= 4 * WORD) {
      w[0] = pattern;
      w[1] = pattern;
      w[2] = pattern;
      w[3] = pattern;
      w += 4;
      n -= 4 * WORD;
    }
    while (n >= WORD) {
      *w++ = pattern;
      n -= WORD;
    }
    d = (uchar *)w;
  }
  while (n > 0) {
    *d++ = byte;
    n--;
  }
  return dst;
}

// Compare n bytes as unsigned chars. Returns <0, 0 or >0.
int
memcmp(const void *a, const void *b, uint n)
{
  const uchar *p = (const uchar *)a;
  const uchar *q = (const uchar *)b;

  for (; n > 0; n--, p++, q++) {
    if (*p != *q)
      return (int)*p - (int)*q;
  }
  return 0;
}

// Copy forward; correct when dst does not start inside (src, src+n).
NO_LOOP_CALLS static void
copy_forward(uchar *d, const uchar *s, uint n)
{
  // Word copies only pay off when both pointers can become aligned together.
  if ((((uint64)d ^ (uint64)s) & WORD_MASK) == 0) {
    while (n > 0 && ((uint64)d & WORD_MASK) != 0) {
      *d++ = *s++;
      n--;
    }
    uint64 *wd = (uint64 *)d;
    const uint64 *ws = (const uint64 *)s;
    while (n >= 4 * WORD) {
      uint64 a0 = ws[0], a1 = ws[1], a2 = ws[2], a3 = ws[3];
      wd[0] = a0;
      wd[1] = a1;
      wd[2] = a2;
      wd[3] = a3;
      wd += 4;
      ws += 4;
      n -= 4 * WORD;
    }
    while (n >= WORD) {
      *wd++ = *ws++;
      n -= WORD;
    }
    d = (uchar *)wd;
    s = (const uchar *)ws;
  }
  while (n > 0) {
    *d++ = *s++;
    n--;
  }
}

// Copy backward from the ends; correct when dst overlaps the tail of src.
NO_LOOP_CALLS static void
copy_backward(uchar *d, const uchar *s, uint n)
{
  d += n;
  s += n;
  if ((((uint64)d ^ (uint64)s) & WORD_MASK) == 0) {
    while (n > 0 && ((uint64)d & WORD_MASK) != 0) {
      *--d = *--s;
      n--;
    }
    uint64 *wd = (uint64 *)d;
    const uint64 *ws = (const uint64 *)s;
    while (n >= WORD) {
      *--wd = *--ws;
      n -= WORD;
    }
    d = (uchar *)wd;
    s = (const uchar *)ws;
  }
  while (n > 0) {
    *--d = *--s;
    n--;
  }
}

// Copy n bytes from src to dst; the ranges may overlap. Returns dst.
void *
memmove(void *dst, const void *src, uint n)
{
  uchar *d = (uchar *)dst;
  const uchar *s = (const uchar *)src;

  if (n == 0 || d == s)
    return dst;
  if (d < s || d >= s + n)
    copy_forward(d, s, n);
  else
    copy_backward(d, s, n);
  return dst;
}

// Copy n bytes; kept overlap-safe too since the compiler may emit calls to it.
void *
memcpy(void *dst, const void *src, uint n)
{
  return memmove(dst, src, n);
}

// Compare at most n characters of two strings. Returns <0, 0 or >0.
int
strncmp(const char *a, const char *b, uint n)
{
  for (; n > 0; n--, a++, b++) {
    if (*a != *b)
      return (int)(uchar)*a - (int)(uchar)*b;
    if (*a == '\0')
      return 0;
  }
  return 0;
}

// Copy at most n chars of src and pad the rest of dst with NULs (like the
// C library: no terminator if src has n or more characters). Returns dst.
NO_LOOP_CALLS char *
strncpy(char *dst, const char *src, int n)
{
  int i = 0;

  for (; i < n && src[i] != '\0'; i++)
    dst[i] = src[i];
  for (; i < n; i++)
    dst[i] = '\0';
  return dst;
}

// Copy src into dst of size n, truncating, and always NUL-terminate
// (when n > 0). Returns dst.
char *
safestrcpy(char *dst, const char *src, int n)
{
  int i = 0;

  if (n <= 0)
    return dst;
  for (; i < n - 1 && src[i] != '\0'; i++)
    dst[i] = src[i];
  dst[i] = '\0';
  return dst;
}

// Length of the NUL-terminated string s.
int
strlen(const char *s)
{
  int n = 0;

  while (s[n] != '\0')
    n++;
  return n;
}
