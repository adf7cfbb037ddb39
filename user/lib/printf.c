// Formatted output: printf, fprintf, snprintf.
// Conversions %d %u %x %p %s %c %%, the l modifier, a field width, '0'
// padding and '-' left alignment. printf output is gathered per call so a
// short line reaches the file in one write(); no floating point.
#include "user.h"

typedef __builtin_va_list va_list;
#define va_start(ap, last) __builtin_va_start(ap, last)
#define va_arg(ap, type) __builtin_va_arg(ap, type)
#define va_end(ap) __builtin_va_end(ap)

// Where formatted bytes go: a caller's buffer (fd < 0) or a staging
// buffer flushed to fd when full and at the end of the call.
struct sink {
  int fd;
  char *buf;
  int cap;    // bytes buf can hold
  int len;    // bytes in buf now
  int total;  // bytes produced so far (snprintf's result)
};

static void
sink_flush(struct sink *s)
{
  if (s->fd >= 0 && s->len > 0)
    write(s->fd, s->buf, s->len);
  s->len = 0;
}

static void
sink_putc(struct sink *s, char c)
{
  s->total++;
  if (s->fd >= 0) {
    if (s->len == s->cap)
      sink_flush(s);
    s->buf[s->len++] = c;
  } else if (s->len + 1 < s->cap) {
    // Keep one byte for the terminating NUL.
    s->buf[s->len++] = c;
  }
}

static void
sink_pad(struct sink *s, char c, int n)
{
  while (n-- > 0)
    sink_putc(s, c);
}

// Emit str (len bytes) in a field of the given width.
static void
put_field(struct sink *s, const char *str, int len, int width, int left, char pad)
{
  int i;

  if (!left) {
    // Zero padding goes after a sign, spaces before it.
    if (pad == '0' && len > 0 && str[0] == '-') {
      sink_putc(s, '-');
      str++;
      len--;
      width--;
    }
    sink_pad(s, pad, width - len);
  }
  for (i = 0; i < len; i++)
    sink_putc(s, str[i]);
  if (left)
    sink_pad(s, ' ', width - len);
}

// Format v in base into digits (at the end of tmp); returns the start.
static char *
fmt_uint(char *end, uint64 v, int base, int neg)
{
  static const char digits[] = "0123456789abcdef";
  char *p = end;

  *p = 0;
  do {
    *--p = digits[v % base];
    v /= base;
  } while (v != 0);
  if (neg)
    *--p = '-';
  return p;
}

static void
vformat(struct sink *s, const char *fmt, va_list ap)
{
  char tmp[32];
  char *str;
  int width, left, lng;
  char pad, c;
  uint64 u;
  int64 d;

  for (; (c = *fmt) != 0; fmt++) {
    if (c != '%') {
      sink_putc(s, c);
      continue;
    }
    c = *++fmt;
    left = 0;
    pad = ' ';
    width = 0;
    lng = 0;
    for (; c == '-' || c == '0'; c = *++fmt) {
      if (c == '-')
        left = 1;
      else
        pad = '0';
    }
    for (; c >= '0' && c <= '9'; c = *++fmt)
      width = width * 10 + (c - '0');
    for (; c == 'l'; c = *++fmt)
      lng = 1;
    if (left)
      pad = ' ';
    switch (c) {
    case 'd':
      d = lng ? va_arg(ap, int64) : va_arg(ap, int);
      u = d < 0 ? -(uint64)d : (uint64)d;
      str = fmt_uint(tmp + sizeof(tmp) - 1, u, 10, d < 0);
      put_field(s, str, strlen(str), width, left, pad);
      break;
    case 'u':
    case 'x':
      u = lng ? va_arg(ap, uint64) : va_arg(ap, uint);
      str = fmt_uint(tmp + sizeof(tmp) - 1, u, c == 'x' ? 16 : 10, 0);
      put_field(s, str, strlen(str), width, left, pad);
      break;
    case 'p':
      u = (uint64)va_arg(ap, void *);
      str = fmt_uint(tmp + sizeof(tmp) - 1, u, 16, 0);
      sink_putc(s, '0');
      sink_putc(s, 'x');
      put_field(s, str, strlen(str), width - 2, left, pad);
      break;
    case 's':
      str = va_arg(ap, char *);
      if (str == 0)
        str = "(null)";
      put_field(s, str, strlen(str), width, left, ' ');
      break;
    case 'c':
      tmp[0] = (char)va_arg(ap, int);
      put_field(s, tmp, 1, width, left, ' ');
      break;
    case '%': sink_putc(s, '%'); break;
    case 0:
      // A lone '%' at the end of the format: print it and stop.
      sink_putc(s, '%');
      return;
    default:
      // Unknown conversion: show it as written.
      sink_putc(s, '%');
      sink_putc(s, c);
      break;
    }
  }
}

static void
vfdprintf(int fd, const char *fmt, va_list ap)
{
  char buf[256];
  struct sink s = {fd, buf, sizeof(buf), 0, 0};

  vformat(&s, fmt, ap);
  sink_flush(&s);
}

// Format to file descriptor fd (one write() per 256 bytes of output).
void
fprintf(int fd, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vfdprintf(fd, fmt, ap);
  va_end(ap);
}

// Format to standard output.
void
printf(const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vfdprintf(1, fmt, ap);
  va_end(ap);
}

// Format into buf (at most size-1 bytes plus a NUL, when size > 0).
// Returns the length the full output would have had.
int
snprintf(char *buf, int size, const char *fmt, ...)
{
  struct sink s = {-1, buf, size, 0, 0};
  va_list ap;

  va_start(ap, fmt);
  vformat(&s, fmt, ap);
  va_end(ap);
  if (size > 0)
    buf[s.len] = 0;
  return s.total;
}
