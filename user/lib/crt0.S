// Program entry: the kernel starts a user program at _start with argc in
// a0 and argv in a1. Call main with them and pass its result to exit, so
// returning from main is the same as calling exit.
.text
.globl _start
_start:
  call main
  call exit
1:
  j 1b
