// 16550 UART driver (QEMU virt UART0): register setup, a transmit ring
// drained by the TX-empty interrupt, and received bytes handed to the
// console line discipline. Not responsible for line editing (console.c).
#include "types.h"
#include "lib/klib.h"
#include "sync/spinlock.h"
#include "proc/proc.h"
#include "arch/riscv/kmem.h"
#include "dev/dev.h"

// 16550 register offsets (one byte each).
#define REG_RHR 0  // receive holding (read)
#define REG_THR 0  // transmit holding (write)
#define REG_DLL 0  // divisor latch low (when LCR.DLAB)
#define REG_IER 1  // interrupt enable
#define REG_DLM 1  // divisor latch high (when LCR.DLAB)
#define REG_FCR 2  // FIFO control (write)
#define REG_ISR 2  // interrupt status (read)
#define REG_LCR 3  // line control
#define REG_LSR 5  // line status

#define IER_RX 0x01  // interrupt when a byte arrives
#define IER_TX 0x02  // interrupt when the transmitter empties
#define FCR_ENABLE 0x01
#define FCR_CLEAR 0x06     // reset both FIFOs
#define LCR_8N1 0x03       // 8 data bits, no parity, 1 stop bit
#define LCR_DLAB 0x80      // expose the baud-rate divisor
#define LSR_RX_READY 0x01  // a received byte is waiting
#define LSR_TX_IDLE 0x20   // THR can accept another byte

// 1.8432 MHz clock / 16 / 3 = 38400 baud.
#define BAUD_DIVISOR 3

// Set by printf.c when the kernel panics: all output stops.
extern volatile int panicking;
extern volatile int panicked;

static volatile uint8 *
uart_reg(int r)
{
  return (volatile uint8 *)P2V(UART0) + r;
}

static uint8
reg_read(int r)
{
  return *uart_reg(r);
}

static void
reg_write(int r, uint8 v)
{
  *uart_reg(r) = v;
}

// Transmit ring. tx_w and tx_r count bytes ever put/taken, so
// tx_w - tx_r is the fill level and index = count % TXSIZE.
#define TXSIZE 64
static struct spinlock tx_lock;
static char tx_buf[TXSIZE];  // tx_lock
static uint64 tx_w;          // tx_lock: next byte to store
static uint64 tx_r;          // tx_lock: next byte to send

// Program the UART: 38.4K 8N1, FIFOs on, RX and TX interrupts enabled.
// Called once at boot before interrupts are on.
void
uart_init(void)
{
  reg_write(REG_IER, 0);
  reg_write(REG_LCR, LCR_DLAB);
  reg_write(REG_DLL, BAUD_DIVISOR & 0xff);
  reg_write(REG_DLM, (BAUD_DIVISOR >> 8) & 0xff);
  reg_write(REG_LCR, LCR_8N1);  // also clears DLAB
  reg_write(REG_FCR, FCR_ENABLE | FCR_CLEAR);
  reg_write(REG_IER, IER_RX | IER_TX);
  initlock(&tx_lock, "uart");
}

// Move bytes from the ring into the UART while it can take them. The TX
// interrupt calls this again when the UART drains. Caller holds tx_lock.
static void
uart_start_locked(void)
{
  while (tx_w != tx_r) {
    if ((reg_read(REG_LSR) & LSR_TX_IDLE) == 0)
      return;  // busy; the TX-empty interrupt will bring us back
    char c = tx_buf[tx_r % TXSIZE];
    tx_r++;
    wakeup(&tx_r);  // uart_putc may be waiting for room
    reg_write(REG_THR, c);
  }
}

// Queue c for transmission. Sleeps while the ring is full, so only for
// process context with no spinlock held (console writes).
void
uart_putc(int c)
{
  acquire(&tx_lock);
  if (panicking) {
    for (;;)
      ;
  }
  while (tx_w - tx_r == TXSIZE)
    sleep(&tx_r, &tx_lock);
  tx_buf[tx_w % TXSIZE] = c;
  tx_w++;
  uart_start_locked();
  release(&tx_lock);
}

// Send c now, spinning until the UART accepts it, with interrupts off.
// Bypasses the ring; for kernel printf and echo. Never sleeps.
void
uart_putc_sync(int c)
{
  push_off();
  if (panicked) {
    for (;;)
      ;
  }
  while ((reg_read(REG_LSR) & LSR_TX_IDLE) == 0)
    ;
  reg_write(REG_THR, c);
  pop_off();
}

// UART interrupt: pass every received byte to the console, then refill
// the transmitter. Reading ISR acknowledges a TX-empty interrupt.
void
uart_intr(void)
{
  (void)reg_read(REG_ISR);
  while (reg_read(REG_LSR) & LSR_RX_READY)
    console_intr(reg_read(REG_RHR));

  acquire(&tx_lock);
  uart_start_locked();
  release(&tx_lock);
}
