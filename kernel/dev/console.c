// The console: line discipline over the UART and the CONSOLE device file.
// Typed characters are echoed and edited (backspace, ^U, ^D, ^P) in an
// input ring; readers get whole lines. Moves bytes to/from KERNEL buffers
// only: the file layer copies to user memory with no lock held.
#include "types.h"
#include "param.h"
#include "lib/klib.h"
#include "sync/spinlock.h"
#include "proc/proc.h"
#include "dev/dev.h"

#define CTRL(x) ((x) - '@')
#define KEY_BS 0x08
#define KEY_DEL 0x7f

struct devsw devsw[NDEV];

// Input ring. Counters only grow; index = counter % INSIZE.
//   [rd, wr)  complete lines (or ^D) ready for console_read
//   [wr, ed)  the line being edited, not yet visible to readers
#define INSIZE 128
static struct spinlock cons_lock;
static char in_buf[INSIZE];  // cons_lock
static uint in_rd;           // cons_lock: next byte to hand to a reader
static uint in_wr;           // cons_lock: end of committed input
static uint in_ed;           // cons_lock: end of the edit line

// Kernel output (printf). Spins; never sleeps.
void
console_putc(int c)
{
  uart_putc_sync(c);
}

// Visually erase one echoed character.
static void
echo_erase(void)
{
  uart_putc_sync('\b');
  uart_putc_sync(' ');
  uart_putc_sync('\b');
}

// Drop the last uncommitted character, if any. Caller holds cons_lock.
static int
erase_one_locked(void)
{
  if (in_ed == in_wr)
    return 0;
  in_ed--;
  echo_erase();
  return 1;
}

// Append c to the edit line, echo it, and publish the line on newline,
// ^D or a full ring. Caller holds cons_lock.
static void
input_char_locked(int c)
{
  if (c == 0 || in_ed - in_rd >= INSIZE)
    return;  // ring full of unread input: drop the keystroke
  if (c == '\r')
    c = '\n';
  if (c != CTRL('D'))
    uart_putc_sync(c);
  in_buf[in_ed % INSIZE] = c;
  in_ed++;
  if (c == '\n' || c == CTRL('D') || in_ed - in_rd == INSIZE) {
    in_wr = in_ed;
    wakeup(&in_rd);
  }
}

// One received character, from the UART interrupt handler.
void
console_intr(int c)
{
  int dump = 0;

  acquire(&cons_lock);
  switch (c) {
  case CTRL('P'): dump = 1; break;
  case CTRL('U'):
    while (in_ed != in_wr && in_buf[(in_ed - 1) % INSIZE] != '\n')
      erase_one_locked();
    break;
  case KEY_BS:
  case KEY_DEL: erase_one_locked(); break;
  default: input_char_locked(c); break;
  }
  release(&cons_lock);

  // procdump prints a lot and inspects processes: not under cons_lock.
  if (dump)
    procdump();
}

// devsw read: copy up to n bytes of input into the kernel buffer dst.
// Sleeps until a whole line or ^D is available. Stops after '\n'. ^D at
// the start of a read returns 0 (end of file); after some bytes it ends
// the read and is left for the next one. Returns bytes read, or -1 if the
// calling process is killed while waiting.
static int
console_read(char *dst, int n)
{
  int want = n;

  acquire(&cons_lock);
  while (n > 0) {
    while (in_rd == in_wr) {
      if (killed(myproc())) {
        release(&cons_lock);
        return -1;
      }
      sleep_killable(&in_rd, &cons_lock);
    }
    char c = in_buf[in_rd % INSIZE];
    in_rd++;
    if (c == CTRL('D')) {
      if (n < want)
        in_rd--;  // deliver what we have now; the next read sees EOF
      break;
    }
    *dst++ = c;
    n--;
    if (c == '\n')
      break;
  }
  release(&cons_lock);
  return want - n;
}

// devsw write: send n bytes from the kernel buffer src to the UART.
// May sleep for transmit room; call with no spinlock held.
static int
console_write(const char *src, int n)
{
  for (int i = 0; i < n; i++)
    uart_putc(src[i]);
  return n;
}

// Initialise the UART and register the CONSOLE device. Boot, hart 0.
void
console_init(void)
{
  initlock(&cons_lock, "cons");
  uart_init();
  devsw[CONSOLE].read = console_read;
  devsw[CONSOLE].write = console_write;
}
