// Device drivers: UART console, PLIC, virtio-blk disk, power-off.
#ifndef DEV_H
#define DEV_H

#include "types.h"

struct buf;

// Physical MMIO addresses on QEMU virt (kernel reaches them via P2V()).
#define VIRT_TEST 0x100000L  // sifive test device: power-off with status
#define CLINT 0x2000000L     // core-local interruptor: msip[hart] at CLINT + 4 * hart
#define UART0 0x10000000L
#define UART0_IRQ 10
// virtio-mmio transport i sits at VIRTIO0 + i * 0x1000 with PLIC irq 1 + i.
#define VIRTIO0 0x10001000L  // disk 0: the file system
#define VIRTIO0_IRQ 1
#define VIRTIO1 0x10002000L  // disk 1: swap (optional)
#define VIRTIO1_IRQ 2
#define PLIC 0x0c000000L

// uart.c
void uart_init(void);
void uart_intr(void);        // called from devintr on UART0_IRQ
void uart_putc(int c);       // may sleep waiting for buffer room
void uart_putc_sync(int c);  // spins; for kernel printf and echo

// console.c: line discipline, device file CONSOLE
void console_init(void);   // also registers devsw[CONSOLE]
void console_intr(int c);  // one received character
void console_putc(int c);  // kernel output (printf)

// plic.c
void plic_init(void);
void plic_inithart(void);
int plic_claim(void);
void plic_complete(int irq);

// virtio_disk.c: disk 0 holds the file system, disk 1 (optional) swap
#define NDISK 2
#define SWAP_DISK 1
void virtio_disk_init(void);
void virtio_disk_rw(struct buf *b, int write);  // disk 0; sleeps until done
// One 4 KiB frame (physical address) from/to sectors [sector, sector+8) of
// disk dev, one request: 0, or -1 (no such disk, past its end, I/O error).
// Sleeps; no spinlock held.
int virtio_disk_page(int dev, uint64 sector, uint64 pa, int write);
// n pages at once (frame pa[i] <-> sectors [sector[i], +8)), as many in flight
// as the queue holds; ok[i] = 0 / -1 each; returns how many failed. Sleeps.
int virtio_disk_pages(int dev, int n, const uint64 *sector, const uint64 *pa, int write, int *ok);
uint64 virtio_disk_capacity(int dev);  // in 512-byte sectors; 0 if absent
void virtio_disk_intr(int dev);

// power.c
void poweroff(int status) __attribute__((noreturn));  // QEMU exits with status

// Device switch: read/write move bytes between the device and a KERNEL buffer.
// The caller (file layer) copies to/from user space with no locks held.
struct devsw {
  int (*read)(char *dst, int n);         // returns bytes read or -1
  int (*write)(const char *src, int n);  // returns bytes written or -1
};
extern struct devsw devsw[];
#define CONSOLE 1

#endif
