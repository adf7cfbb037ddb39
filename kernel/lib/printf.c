// Kernel formatted output (printf, snprintf) and panic/assert.
// One formatter core writes either to the console or to a buffer.
// printf holds a spinlock per call so lines from different harts do not
// interleave; once a hart panics, the lock is bypassed and other harts'
// output stops. Not responsible for the device: console_putc does that.
#include "types.h"
#include "lib/klib.h"
#include "sync/spinlock.h"
#include "proc/proc.h"
#include "dev/dev.h"

#define PANIC_STATUS 99  // QEMU exit status after a kernel panic

// Panic state, read by the UART driver too: once panicked is set, no other
// output may reach the device.
volatile int panicking;  // a hart has started to panic
volatile int panicked;   // the panic message is out; all output stops

static volatile int panic_hart = -1;  // which hart owns the panic
static int panic_claim;               // test-and-set: first panic wins

static struct spinlock pr_lock;

// Where formatted characters go.
struct out {
  char *buf;  // 0: the console
  int size;   // capacity of buf, including the NUL
  int len;    // characters stored in buf so far
};

static void
out_char(struct out *o, char c)
{
  if (o->buf == 0) {
    console_putc(c);
    return;
  }
  if (o->len < o->size - 1)
    o->buf[o->len++] = c;
}

static void
out_pad(struct out *o, char c, int count)
{
  for (; count > 0; count--)
    out_char(o, c);
}

// A field layout parsed from one conversion specification.
struct spec {
  int width;  // minimum field width
  int prec;   // maximum characters for %s, or -1
  int left;   // '-': pad on the right
  int zero;   // '0': pad numbers with zeros
};

static void
out_string(struct out *o, const char *s, struct spec *sp)
{
  int n = 0;

  if (s == 0)
    s = "(null)";
  while (s[n] != '\0' && (sp->prec < 0 || n < sp->prec))
    n++;
  if (!sp->left)
    out_pad(o, ' ', sp->width - n);
  for (int i = 0; i < n; i++)
    out_char(o, s[i]);
  if (sp->left)
    out_pad(o, ' ', sp->width - n);
}

static void
out_number(struct out *o, uint64 v, int base, int neg, struct spec *sp)
{
  static const char digits[] = "0123456789abcdef";
  char tmp[24];
  int n = 0;

  do {
    tmp[n++] = digits[v % base];
    v /= base;
  } while (v != 0);

  int len = n + (neg ? 1 : 0);
  if (sp->left) {
    if (neg)
      out_char(o, '-');
    while (n > 0)
      out_char(o, tmp[--n]);
    out_pad(o, ' ', sp->width - len);
    return;
  }
  if (sp->zero) {
    // The sign precedes the zeros: -0042, not 00-42.
    if (neg)
      out_char(o, '-');
    out_pad(o, '0', sp->width - len);
  } else {
    out_pad(o, ' ', sp->width - len);
    if (neg)
      out_char(o, '-');
  }
  while (n > 0)
    out_char(o, tmp[--n]);
}

// Read a signed or unsigned argument of the given length (0 int, 1 long, 2 long long).
static uint64
arg_unsigned(__builtin_va_list *ap, int lng)
{
  if (lng == 0)
    return __builtin_va_arg(*ap, uint);
  return __builtin_va_arg(*ap, uint64);
}

static int64
arg_signed(__builtin_va_list *ap, int lng)
{
  if (lng == 0)
    return __builtin_va_arg(*ap, int);
  return __builtin_va_arg(*ap, int64);
}

// Parse flags, width, precision and length; returns the char after them.
static const char *
parse_spec(const char *f, struct spec *sp, int *lng, __builtin_va_list *ap)
{
  sp->width = 0;
  sp->prec = -1;
  sp->left = 0;
  sp->zero = 0;
  *lng = 0;
  for (;; f++) {
    if (*f == '-')
      sp->left = 1;
    else if (*f == '0')
      sp->zero = 1;
    else
      break;
  }
  if (*f == '*') {
    sp->width = __builtin_va_arg(*ap, int);
    f++;
  }
  for (; *f >= '0' && *f <= '9'; f++)
    sp->width = sp->width * 10 + (*f - '0');
  if (*f == '.') {
    sp->prec = 0;
    for (f++; *f >= '0' && *f <= '9'; f++)
      sp->prec = sp->prec * 10 + (*f - '0');
  }
  while (*f == 'l' || *f == 'z') {
    (*lng)++;
    f++;
  }
  return f;
}

static void
vformat(struct out *o, const char *fmt, __builtin_va_list ap_in)
{
  struct spec sp;
  int lng;
  __builtin_va_list ap;

  // A local copy, so &ap has the same type on every ABI (on some, a
  // va_list parameter is really a pointer).
  __builtin_va_copy(ap, ap_in);

  for (const char *f = fmt; *f != '\0'; f++) {
    if (*f != '%') {
      out_char(o, *f);
      continue;
    }
    f = parse_spec(f + 1, &sp, &lng, &ap);
    switch (*f) {
    case 'd': {
      int64 v = arg_signed(&ap, lng);
      uint64 mag = v < 0 ? -(uint64)v : (uint64)v;
      out_number(o, mag, 10, v < 0, &sp);
      break;
    }
    case 'u': out_number(o, arg_unsigned(&ap, lng), 10, 0, &sp); break;
    case 'x': out_number(o, arg_unsigned(&ap, lng), 16, 0, &sp); break;
    case 'p':
      out_char(o, '0');
      out_char(o, 'x');
      sp.width = 16;
      sp.zero = 1;
      sp.left = 0;
      out_number(o, (uint64) __builtin_va_arg(ap, void *), 16, 0, &sp);
      break;
    case 's': out_string(o, __builtin_va_arg(ap, const char *), &sp); break;
    case 'c': out_char(o, (char)__builtin_va_arg(ap, int)); break;
    case '%': out_char(o, '%'); break;
    case '\0':
      // A lone '%' at the end of the format: print it and stop.
      out_char(o, '%');
      __builtin_va_end(ap);
      return;
    default:
      // Unknown conversion: show it literally so the bug is visible.
      out_char(o, '%');
      out_char(o, *f);
      break;
    }
  }
  __builtin_va_end(ap);
}

// Print to the console. Safe from interrupt handlers and with other
// spinlocks held (takes pr_lock, a leaf lock, with interrupts off). Never
// sleeps. After another hart panics, this hart stops here for good.
void
printf(const char *fmt, ...)
{
  struct out o = {0, 0, 0};
  __builtin_va_list ap;

  push_off();  // keeps cpuid() stable while we compare it
  if (panicking && cpuid() != panic_hart) {
    for (;;)
      ;
  }
  // The panicking hart may already hold pr_lock (panic inside printf).
  int locking = !panicking;
  if (locking)
    acquire(&pr_lock);
  __builtin_va_start(ap, fmt);
  vformat(&o, fmt, ap);
  __builtin_va_end(ap);
  if (locking)
    release(&pr_lock);
  pop_off();
}

// Format into buf (size bytes, always NUL-terminated when size > 0).
// Returns the number of characters stored, excluding the NUL (output that
// did not fit is dropped, not counted). Takes no locks.
int
snprintf(char *buf, int size, const char *fmt, ...)
{
  char dummy;
  struct out o = {buf, size, 0};
  __builtin_va_list ap;

  if (size <= 0) {
    // Nothing may be stored; format into a one-byte sink to stay uniform.
    o.buf = &dummy;
    o.size = 1;
  }
  __builtin_va_start(ap, fmt);
  vformat(&o, fmt, ap);
  __builtin_va_end(ap);
  o.buf[o.len] = '\0';
  return size <= 0 ? 0 : o.len;
}

// Print "panic: msg" and stop this hart forever with interrupts off.
// The first panicking hart silences all others (their printf and UART
// output spin). A second panic on the same hart (from inside the first)
// prints its message too, then spins.
void
panic(const char *msg)
{
  push_off();
  int me = cpuid();
  if (__sync_lock_test_and_set(&panic_claim, 1) != 0) {
    if (panic_hart == me && !panicked)
      printf("panic (nested): %s\n", msg);
    for (;;)
      ;
  }
  panic_hart = me;
  __sync_synchronize();
  panicking = 1;
  printf("panic: %s\n", msg);
  __sync_synchronize();
  panicked = 1;
  poweroff(PANIC_STATUS);  // scripted runs end at once; the message stays on the terminal
}

// Backs assert(): report the failed condition and where, then panic.
void
panic_assert(const char *file, int line, const char *cond)
{
  char msg[160];

  snprintf(msg, sizeof(msg), "assertion failed: %s (%s:%d)", cond, file, line);
  panic(msg);
}

// Called once at boot, before any other hart prints.
void
printf_init(void)
{
  initlock(&pr_lock, "pr");
  panicking = 0;
  panicked = 0;
}
