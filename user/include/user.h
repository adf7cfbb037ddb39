// The user-space API: system calls and the user library.
// Source-compatible with classic xv6: a program written for xv6 builds
// after replacing its #include lines with this one header.
#ifndef LAZULI_USER_H
#define LAZULI_USER_H

#include "types.h"
#include "param.h"
#include "stat.h"
#include "fcntl.h"
#include "fs.h"
#include "memlayout.h"
#include "vmstat.h"
#include "mman.h"

// system calls (xv6)
int fork(void);
int exit(int) __attribute__((noreturn));
int wait(int *);
int pipe(int *);
int write(int, const void *, int);
int read(int, void *, int);
int close(int);
int kill(int);
int exec(const char *, char **);
int open(const char *, int);
int mknod(const char *, short, short);
int unlink(const char *);
int fstat(int fd, struct stat *);
int link(const char *, const char *);
int mkdir(const char *);
int chdir(const char *);
int dup(int);
int getpid(void);
char *sbrk(int);
int sleep(int);
int uptime(void);
int pause(int);  // 2025 xv6's name for sleep(ticks); the same call

// system calls (Lazuli additions)
int poweroff(int status) __attribute__((noreturn));
int vmstat(struct vmstat *);
int procstat(int pid, struct procstat *);                // pid 0: the caller
int procregions(int pid, struct regioninfo *, int max);  // returns count
int getpids(int *pids, int max);                         // returns count
int vmctl(int op, int value);                            // VMCTL_*; returns old value
uint64 nanotime(void);                                   // ns since boot (system call)
// Memory mappings (mman.h has PROT_*, MAP_*, MAP_FAILED, MS_SYNC)
void *mmap(void *addr, uint64 len, int prot, int flags, int fd, uint64 off);  // or MAP_FAILED
int munmap(void *addr, uint64 len);
int madvise(void *addr, uint64 len, int advice);  // MADV_PAGEOUT: pages paged out, or -1
int mprotect(void *addr, uint64 len, int prot);
int msync(void *addr, uint64 len, int flags);

// What sbrk, sbrklazy and sbrkeager return when they refuse (2025 xv6's name).
#define SBRK_ERROR ((char *)-1)

// user library: memory
char *sbrklazy(int);   // grow/shrink the heap lazily (the default policy)
char *sbrkeager(int);  // grow the heap with frames allocated at once
void *malloc(uint);
void free(void *);

// user library: strings and I/O (xv6)
int stat(const char *, struct stat *);
char *strcpy(char *, const char *);
void *memmove(void *, const void *, int);
char *strchr(const char *, char c);
int strcmp(const char *, const char *);
int strncmp(const char *, const char *, uint);
void fprintf(int, const char *, ...) __attribute__((format(printf, 2, 3)));
void printf(const char *, ...) __attribute__((format(printf, 1, 2)));
char *gets(char *, int max);
uint strlen(const char *);
void *memset(void *, int, uint);
int atoi(const char *);
int memcmp(const void *, const void *, uint);
void *memcpy(void *, const void *, uint);

// user library: Lazuli additions
uint64 nsec(void);  // ns since boot, read from the time CSR (no trap)
int snprintf(char *, int, const char *, ...);
// Touch every page of our own text and data now (data by a write, so its
// copy-on-write copy exists) and stack_pages pages of stack: a program that
// counts frames then never sees its own pages being paged in.
void prefault_image(int stack_pages);  // stack_pages at most 16

#endif
