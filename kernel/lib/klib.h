// Kernel library: console printf, panic, assert, and string/memory helpers.
#ifndef KLIB_H
#define KLIB_H

#include "types.h"

void printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void printf_init(void);
void panic(const char *msg) __attribute__((noreturn));
int snprintf(char *buf, int size, const char *fmt, ...);

#define assert(cond)                                                                               \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      panic_assert(__FILE__, __LINE__, #cond);                                                     \
  } while (0)
void panic_assert(const char *file, int line, const char *cond) __attribute__((noreturn));

void *memset(void *dst, int c, uint n);
int memcmp(const void *a, const void *b, uint n);
void *memmove(void *dst, const void *src, uint n);
void *memcpy(void *dst, const void *src, uint n);
int strncmp(const char *a, const char *b, uint n);
char *strncpy(char *dst, const char *src, int n);
char *safestrcpy(char *dst, const char *src, int n);  // always NUL-terminates
int strlen(const char *s);

#define NELEM(x) (sizeof(x) / sizeof((x)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#endif
