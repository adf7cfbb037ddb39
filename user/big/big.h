// The big test program's layout and content formulas, shared by the
// program (user/big/bigprog.c) and its build-time generator (tools/mkbig).
// Every byte of the initialised arrays follows big_byte(); text pages are
// checked against checksums mkbig computes from the linked ELF file.
#ifndef BIG_H
#define BIG_H

#ifdef __riscv
#include "user.h"
#else
#include <stdint.h>
typedef uint64_t uint64;
typedef uint32_t uint32;
#endif

#define BIG_RO_SIZE (2L << 20)  // const array: read-only data in the text segment
// initialised, writable array: the data segment. Not a page multiple, so the
// last file page of the segment also holds the start of bss (must read zero).
#define BIG_DATA_SIZE ((2L << 20) - 1000)
#define BIG_BSS_SIZE (1L << 20)  // zero array: bss
#define BIG_NFUNC 48             // page-aligned generated functions
#define BIG_RO_SEED 0x5eed0001u
#define BIG_DATA_SEED 0xda7a0002u
#define BIG_MAXSUMS 2048  // text pages with a checksum

struct bigsum {  // one entry of /bigsums (after a uint64 count)
  uint64 va;
  uint64 sum;
};

// Byte i of an array generated with seed: changes with every byte and
// every page, so a misplaced or stale page shows.
static inline unsigned char
big_byte(uint64 i, uint32 seed)
{
  uint32 x = (uint32)i * 0x9E3779B1u + seed;
  return (unsigned char)((x >> 11) ^ (i >> 12));
}

static inline uint64
big_fn_xor(int k)
{
  return 0x1234567890abcdefULL * (uint64)(k + 1);
}

static inline uint64
big_fn_add(int k)
{
  return 1442695040888963407ULL + 2 * (uint64)k;
}

static inline int
big_fn_rounds(int k)
{
  return 3 + k % 7;
}

static inline uint64
big_fnv(const unsigned char *p, uint64 n)
{
  uint64 h = 0xcbf29ce484222325ULL;
  for (uint64 i = 0; i < n; i++)
    h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}

#endif
