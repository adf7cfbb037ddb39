// ELF64 file format (the parts exec needs) and the validated load plan
// that elf.c derives from a file's headers.
#ifndef ELF_H
#define ELF_H

#include "types.h"

#define ELF_MAGIC 0x464C457FU  // "\x7FELF" little-endian

struct elfhdr {
  uint magic;
  uchar elf[12];  // ident after the magic: class, data, version, OS ABI, padding
  ushort type;
  ushort machine;
  uint version;
  uint64 entry;
  uint64 phoff;
  uint64 shoff;
  uint flags;
  ushort ehsize;
  ushort phentsize;
  ushort phnum;
  ushort shentsize;
  ushort shnum;
  ushort shstrndx;
};

struct proghdr {
  uint32 type;
  uint32 flags;
  uint64 off;
  uint64 vaddr;
  uint64 paddr;
  uint64 filesz;
  uint64 memsz;
  uint64 align;
};

#define ELF_CLASS64 2    // elf[0]
#define ELF_DATA_LSB 1   // elf[1]: little-endian
#define ELF_VERSION 1    // elf[2] and version
#define ELF_TYPE_EXEC 2  // type: a statically linked executable
#define ELF_MACH_RISCV 243

#define ELF_PROG_LOAD 1
#define ELF_PROG_DYNAMIC 2
#define ELF_PROG_INTERP 3
#define ELF_PROG_FLAG_EXEC 1
#define ELF_PROG_FLAG_WRITE 2
#define ELF_PROG_FLAG_READ 4

#define ELF_MAXPHNUM 64  // program headers an executable may have
#define ELF_MAXLOAD 16   // of which PT_LOAD segments with memsz > 0

// One PT_LOAD segment after validation: [va, va+memsz) in memory, the
// first filesz bytes from file offset off (va % PGSIZE == off % PGSIZE).
struct elfseg {
  uint64 va;
  uint64 memsz;
  uint64 off;
  uint64 filesz;
  int prot;  // PROT_*; PROT_WRITE implies PROT_READ
};

// What exec builds: segments sorted by va, disjoint, inside the user range.
struct elfplan {
  uint64 entry;
  uint64 top;  // page-rounded end of the highest segment: the heap starts here
  int nseg;
  struct elfseg seg[ELF_MAXLOAD];
};

struct inode;
// Read and check ip's ELF header and program headers (ip locked); fill
// *plan. 0, or -1 if the file is not a valid executable for this machine.
// Reads only the headers.
int elf_plan(struct inode *ip, struct elfplan *plan);

#endif
