// System-wide limits (xv6-compatible names).
#ifndef LAZULI_PARAM_H
#define LAZULI_PARAM_H

#define NPROC 64        // maximum number of processes
#define NCPU 8          // maximum number of harts
#define NOFILE 16       // open files per process
#define NFILE 100       // open files per system
#define NINODE 50       // maximum number of active i-nodes
#define NDEV 10         // maximum major device number
#define ROOTDEV 1       // device number of file system root disk
#define MAXARG 32       // max exec arguments
#define MAXOPBLOCKS 16  // max # of blocks any FS op writes (freeing a file: every bitmap block)
#define LOGSIZE (MAXOPBLOCKS * 3)  // max data blocks in on-disk log
#define NBUF (MAXOPBLOCKS * 3)     // size of disk block cache
#define FSSIZE 98304               // size of file system in blocks: a MAXFILE file fits, with room
#define MAXPATH 128                // maximum file path name
#define USERSTACK 1                // user stack pages mapped at exec (stack grows lazily)

#endif
