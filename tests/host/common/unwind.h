// Failing a host test: t_fail (a check) and t_panic (the kernel's panic or
// assert) record why and longjmp back to the binary's runner, which set
// `unwind` before the test. Shared by all four host binaries (unwind.c).
#ifndef UNWIND_H
#define UNWIND_H

#include <setjmp.h>

extern jmp_buf unwind;     // a failed test longjmps here
extern char reason[1024];  // why it failed
void t_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));
void t_panic(const char *msg) __attribute__((noreturn));

#endif
