// System call stubs: each loads its SYS_ number into a7 and traps.
// Arguments are already in a0..a5 and the result comes back in a0.
// Generated once by a small script; the list follows include/syscall.h.
#include "syscall.h"

.globl fork
fork:
  li a7, SYS_fork
  ecall
  ret

.globl exit
exit:
  li a7, SYS_exit
  ecall
  ret

.globl wait
wait:
  li a7, SYS_wait
  ecall
  ret

.globl pipe
pipe:
  li a7, SYS_pipe
  ecall
  ret

.globl read
read:
  li a7, SYS_read
  ecall
  ret

.globl kill
kill:
  li a7, SYS_kill
  ecall
  ret

.globl exec
exec:
  li a7, SYS_exec
  ecall
  ret

.globl fstat
fstat:
  li a7, SYS_fstat
  ecall
  ret

.globl chdir
chdir:
  li a7, SYS_chdir
  ecall
  ret

.globl dup
dup:
  li a7, SYS_dup
  ecall
  ret

.globl getpid
getpid:
  li a7, SYS_getpid
  ecall
  ret

.globl __sbrk
__sbrk:
  li a7, SYS_sbrk
  ecall
  ret

.globl sleep
sleep:
  li a7, SYS_sleep
  ecall
  ret

.globl uptime
uptime:
  li a7, SYS_uptime
  ecall
  ret

.globl open
open:
  li a7, SYS_open
  ecall
  ret

.globl write
write:
  li a7, SYS_write
  ecall
  ret

.globl mknod
mknod:
  li a7, SYS_mknod
  ecall
  ret

.globl unlink
unlink:
  li a7, SYS_unlink
  ecall
  ret

.globl link
link:
  li a7, SYS_link
  ecall
  ret

.globl mkdir
mkdir:
  li a7, SYS_mkdir
  ecall
  ret

.globl close
close:
  li a7, SYS_close
  ecall
  ret

.globl poweroff
poweroff:
  li a7, SYS_poweroff
  ecall
  ret

.globl vmstat
vmstat:
  li a7, SYS_vmstat
  ecall
  ret

.globl procstat
procstat:
  li a7, SYS_procstat
  ecall
  ret

.globl procregions
procregions:
  li a7, SYS_procregions
  ecall
  ret

.globl getpids
getpids:
  li a7, SYS_getpids
  ecall
  ret

.globl vmctl
vmctl:
  li a7, SYS_vmctl
  ecall
  ret

.globl nanotime
nanotime:
  li a7, SYS_nanotime
  ecall
  ret

.globl mmap
mmap:
  li a7, SYS_mmap
  ecall
  ret

.globl munmap
munmap:
  li a7, SYS_munmap
  ecall
  ret

.globl mprotect
mprotect:
  li a7, SYS_mprotect
  ecall
  ret

.globl msync
msync:
  li a7, SYS_msync
  ecall
  ret

.globl madvise
madvise:
  li a7, SYS_madvise
  ecall
  ret
