// Failing a host test (see unwind.h).
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "unwind.h"

jmp_buf unwind;
char reason[1024];

void
t_fail(const char *file, int line, const char *fmt, ...)
{
  const char *base = strrchr(file, '/');
  int n = snprintf(reason, sizeof(reason), "%s:%d: ", base ? base + 1 : file, line);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason + n, sizeof(reason) - n, fmt, ap);
  va_end(ap);
  longjmp(unwind, 1);
}

void
t_panic(const char *msg)
{
  snprintf(reason, sizeof(reason), "%s", msg);
  longjmp(unwind, 1);
}
