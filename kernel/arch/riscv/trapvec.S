# Trap entry and exit. The kernel is mapped in every address space, so
# neither path touches satp: entering the kernel is a register save.
# Under QEMU every CSR access ends a translation block, so the paths keep
# them few: one vector for user and kernel traps (stvec is written once per
# hart), and sscratch is rewritten only when another process's trapframe
# must go there.
#
# trapvec:  stvec, always. sscratch always holds a struct trapframe: the
#           process's that runs on this hart, else the hart's own (trap.c).
#           The trapframe's user_self word is its own address while the
#           process is in user mode and 0 otherwise, so one load tells a
#           user trap (save user registers, jump to usertrap with the
#           kernel sp/tp) from a kernel trap (save caller-saved registers
#           on the current kernel stack, call kerneltrap).
# userret:  userret(trapframe): restores user registers and srets; the
#           caller has already put the trapframe in sscratch.

#define TF_A0 104
#define TF_USER_SELF 280

.section .text
.balign 4
.globl trapvec
trapvec:
        csrrw   a0, sscratch, a0
        ld      a0, TF_USER_SELF(a0)
        beqz    a0, fromkernel
        sd      zero, TF_USER_SELF(a0)
        sd      ra, 32(a0)
        sd      sp, 40(a0)
        sd      gp, 48(a0)
        sd      tp, 56(a0)
        sd      t0, 64(a0)
        sd      t1, 72(a0)
        sd      t2, 80(a0)
        sd      s0, 88(a0)
        sd      s1, 96(a0)
        sd      a1, 112(a0)
        sd      a2, 120(a0)
        sd      a3, 128(a0)
        sd      a4, 136(a0)
        sd      a5, 144(a0)
        sd      a6, 152(a0)
        sd      a7, 160(a0)
        sd      s2, 168(a0)
        sd      s3, 176(a0)
        sd      s4, 184(a0)
        sd      s5, 192(a0)
        sd      s6, 200(a0)
        sd      s7, 208(a0)
        sd      s8, 216(a0)
        sd      s9, 224(a0)
        sd      s10, 232(a0)
        sd      s11, 240(a0)
        sd      t3, 248(a0)
        sd      t4, 256(a0)
        sd      t5, 264(a0)
        sd      t6, 272(a0)
        csrrw   t0, sscratch, a0        # user a0; sscratch keeps the trapframe
        sd      t0, TF_A0(a0)
        ld      sp, 0(a0)
        ld      tp, 24(a0)
        ld      t0, 8(a0)
        jr      t0

# A trap from the kernel: a0 is 0, sscratch holds the interrupted a0. Swap
# it back (sscratch is 0 until kerneltrap, with interrupts still off,
# puts the trapframe back).
fromkernel:
        csrrw   a0, sscratch, a0
        addi    sp, sp, -256
        sd      ra, 0(sp)
        sd      gp, 16(sp)
        sd      t0, 32(sp)
        sd      t1, 40(sp)
        sd      t2, 48(sp)
        sd      a0, 72(sp)
        sd      a1, 80(sp)
        sd      a2, 88(sp)
        sd      a3, 96(sp)
        sd      a4, 104(sp)
        sd      a5, 112(sp)
        sd      a6, 120(sp)
        sd      a7, 128(sp)
        sd      t3, 216(sp)
        sd      t4, 224(sp)
        sd      t5, 232(sp)
        sd      t6, 240(sp)
        call    kerneltrap
        ld      ra, 0(sp)
        ld      gp, 16(sp)
        ld      t0, 32(sp)
        ld      t1, 40(sp)
        ld      t2, 48(sp)
        ld      a0, 72(sp)
        ld      a1, 80(sp)
        ld      a2, 88(sp)
        ld      a3, 96(sp)
        ld      a4, 104(sp)
        ld      a5, 112(sp)
        ld      a6, 120(sp)
        ld      a7, 128(sp)
        ld      t3, 216(sp)
        ld      t4, 224(sp)
        ld      t5, 232(sp)
        ld      t6, 240(sp)
        addi    sp, sp, 256
        sret

.globl userret
userret:
        sd      a0, TF_USER_SELF(a0)    # user mode from here on (interrupts are off)
        ld      ra, 32(a0)
        ld      sp, 40(a0)
        ld      gp, 48(a0)
        ld      tp, 56(a0)
        ld      t0, 64(a0)
        ld      t1, 72(a0)
        ld      t2, 80(a0)
        ld      s0, 88(a0)
        ld      s1, 96(a0)
        ld      a1, 112(a0)
        ld      a2, 120(a0)
        ld      a3, 128(a0)
        ld      a4, 136(a0)
        ld      a5, 144(a0)
        ld      a6, 152(a0)
        ld      a7, 160(a0)
        ld      s2, 168(a0)
        ld      s3, 176(a0)
        ld      s4, 184(a0)
        ld      s5, 192(a0)
        ld      s6, 200(a0)
        ld      s7, 208(a0)
        ld      s8, 216(a0)
        ld      s9, 224(a0)
        ld      s10, 232(a0)
        ld      s11, 240(a0)
        ld      t3, 248(a0)
        ld      t4, 256(a0)
        ld      t5, 264(a0)
        ld      t6, 272(a0)
        ld      a0, TF_A0(a0)
        sret
