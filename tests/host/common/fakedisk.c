// Host stand-in for the virtio disks swap.c drives: disk 1 (the swap disk)
// keeps whole pages in host memory, allocated on first write like a sparse
// image; tests size it, make its next requests fail, or corrupt what it
// returns. Disk 0 (the file system) does not exist here. Also defines the
// host clock behind the fake r_time().
#include <stdlib.h>
#include "types.h"
#include "arch/riscv/kmem.h"
#include "dev/dev.h"
#include "vm/vm.h"
#include "lib/klib.h"
#include "harness.h"

uint64 host_time;

#define SECTORS_PER_PAGE (PGSIZE / 512)

static struct {
  uint64 sectors;  // capacity of disk 1
  uint8 **page;    // page i holds sectors [8i, 8i+8); 0: never written (reads as zeros)
  uint64 npage;    // entries of page[] allocated so far
  int fail;        // the next `fail` requests fail
  int corrupt;     // the next `corrupt` reads come back with one byte flipped
  uint64 reads, writes;
  uint64 batches;  // virtio_disk_pages calls
} fd;

void
fakedisk_reset(uint64 sectors)
{
  for (uint64 i = 0; i < fd.npage; i++)
    free(fd.page[i]);
  free(fd.page);
  memset(&fd, 0, sizeof(fd));
  fd.sectors = sectors;
}

void
fakedisk_fail(int n)
{
  fd.fail = n;
}

void
fakedisk_corrupt(int n)
{
  fd.corrupt = n;
}

uint64
fakedisk_reads(void)
{
  return fd.reads;
}

uint64
fakedisk_writes(void)
{
  return fd.writes;
}

uint8 *
fakedisk_page(uint64 sector)
{
  uint64 i = sector / SECTORS_PER_PAGE;
  return i < fd.npage ? fd.page[i] : 0;
}

uint64
virtio_disk_capacity(int dev)
{
  return dev == SWAP_DISK ? fd.sectors : 0;
}

// Like the real driver: whole pages, no spinlock held, range checked; the
// fake also insists on page-aligned sectors (every slot starts at one).
int
virtio_disk_page(int dev, uint64 sector, uint64 pa, int write)
{
  if (dev != SWAP_DISK || sector > fd.sectors || fd.sectors - sector < SECTORS_PER_PAGE)
    return -1;
  CHECKF(spinlocks_held() == 0, "disk I/O with a spinlock held (it sleeps)");
  CHECKF(sector % SECTORS_PER_PAGE == 0, "sector %lu is not the start of a page", sector);
  CHECKF(pa % PGSIZE == 0 && arena_holds(P2V(pa)), "bad frame %#lx", pa);
  if (fd.fail > 0) {
    fd.fail--;
    return -1;
  }
  uint64 i = sector / SECTORS_PER_PAGE;
  if (i >= fd.npage) {
    uint64 n = i + 1;
    fd.page = realloc(fd.page, n * sizeof(fd.page[0]));
    memset(fd.page + fd.npage, 0, (n - fd.npage) * sizeof(fd.page[0]));
    fd.npage = n;
  }
  uint8 *frame = P2V(pa);
  if (write) {
    if (fd.page[i] == 0)
      fd.page[i] = malloc(PGSIZE);
    memcpy(fd.page[i], frame, PGSIZE);
    fd.writes++;
  } else {
    if (fd.page[i])
      memcpy(frame, fd.page[i], PGSIZE);
    else
      memset(frame, 0, PGSIZE);
    if (fd.corrupt > 0) {
      fd.corrupt--;
      frame[PGSIZE - 1] ^= 1;
    }
    fd.reads++;
  }
  return 0;
}

// The batch call: each page as its own request, in order (the fake has no
// queue; failures injected with fakedisk_fail hit the first pages).
int
virtio_disk_pages(int dev, int n, const uint64 *sector, const uint64 *pa, int write, int *ok)
{
  int failed = 0;
  fd.batches++;
  for (int i = 0; i < n; i++) {
    ok[i] = virtio_disk_page(dev, sector[i], pa[i], write);
    failed += ok[i] < 0;
  }
  return failed;
}

uint64
fakedisk_batches(void)
{
  return fd.batches;
}
