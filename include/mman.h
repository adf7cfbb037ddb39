// Memory-mapping interface: protection bits, mmap flags and msync flags,
// shared by the kernel and user programs (user.h includes it). Values
// follow Linux, so ported programs keep their constants.
#ifndef LAZULI_MMAN_H
#define LAZULI_MMAN_H

#define PROT_NONE 0x0
#define PROT_READ 0x1
#define PROT_WRITE 0x2  // implies PROT_READ (Sv39 has no write-only pages)
#define PROT_EXEC 0x4

#define MAP_SHARED 0x01     // stores reach the file and every other mapping of it
#define MAP_PRIVATE 0x02    // stores stay in this process (copy-on-write)
#define MAP_FIXED 0x10      // exactly at addr, replacing what is mapped there
#define MAP_ANONYMOUS 0x20  // zero-filled memory, no file (fd is ignored)

#define MAP_FAILED ((void *)-1)  // what mmap returns on any error

#define MS_SYNC 0x4  // msync: write back before returning (0 means the same)

// madvise advice. Only MADV_PAGEOUT (Linux's value): write the range's
// private anonymous pages to swap now; Lazuli's madvise returns how many.
#define MADV_PAGEOUT 21

#endif
