# Boot entry: every hart starts here in M-mode at physical 0x80000000 with
# paging off, a0 = hartid, a1 = device-tree address (QEMU's reset vector).
# Code here and in start.c must be position-independent (it runs at the
# physical address, though linked high).

#define BOOTSTACK 16384

.section .text.entry
.globl _entry
_entry:
        # sp = boot_stacks + (hartid + 1) * BOOTSTACK  (pc-relative: physical)
        la      sp, boot_stacks
        li      t0, BOOTSTACK
        addi    t1, a0, 1
        mul     t0, t0, t1
        add     sp, sp, t0
        call    start
1:      wfi
        j       1b

# start() mret's here in S-mode with the boot page table loaded: we still run
# at the physical address (identity-mapped), so move sp and pc to the upper
# half and enter main().
.globl boot_high
boot_high:
        li      t0, 0xFFFFFFC000000000
        add     sp, sp, t0
        la      t1, main
        add     t1, t1, t0
        jr      t1

# M-mode trap vector (mtvec). The only M-mode trap is the machine software
# interrupt that another hart raises through the CLINT (an S-mode hart
# cannot raise an S-mode software interrupt on another hart without an
# SBI): clear it and pass it on as an S-mode software interrupt (SSIP).
# mscratch holds this hart's two-word save area (physical).
.balign 4
.globl mvec
mvec:
        csrrw   a0, mscratch, a0
        sd      a1, 0(a0)
        sd      a2, 8(a0)
        csrr    a1, mhartid
        slli    a1, a1, 2
        li      a2, 0x2000000           # CLINT: msip[hart] = 0
        add     a1, a1, a2
        sw      zero, 0(a1)
        li      a1, 2                   # mip.SSIP
        csrs    mip, a1
        ld      a1, 0(a0)
        ld      a2, 8(a0)
        csrrw   a0, mscratch, a0
        mret

.section .data
.balign 4096
# Boot page table: gigapages. Entry 2 identity-maps RAM for the jump above;
# entries 256..259 map physical 0..4 GiB at KVOFFSET (V R W X A D, global).
.globl boot_pagetable
boot_pagetable:
        .quad   0
        .quad   0
        .quad   (0x80000 << 10) | 0xcf
        .zero   8 * 253
        .quad   (0x00000 << 10) | 0xef
        .quad   (0x40000 << 10) | 0xef
        .quad   (0x80000 << 10) | 0xef
        .quad   (0xC0000 << 10) | 0xef
        .zero   8 * 252

.section .bss
.balign 16
.globl boot_stacks
boot_stacks:
        .zero   BOOTSTACK * 8
