// virtio-blk driver over modern (version 2) virtio-mmio, for two disks:
// index 0 the file system (required), index 1 the swap disk (optional).
// One split virtqueue per disk, each request a 3-descriptor chain (header,
// data, status); the data is a cache block or a whole 4 KiB frame. Callers
// sleep until their request completes; the interrupt handler wakes them.
// Not responsible for caching (bio.c) nor for what a swap slot is (swap.c).
#include "types.h"
#include "param.h"
#include "fs.h"
#include "lib/klib.h"
#include "sync/spinlock.h"
#include "proc/proc.h"
#include "vm/vm.h"
#include "arch/riscv/kmem.h"
#include "fs/buf.h"
#include "dev/dev.h"

// virtio-mmio register offsets (virtio 1.x, section 4.2.2).
#define MMIO_MAGIC 0x000      // "virt"
#define MMIO_VERSION 0x004    // 2 for the modern interface
#define MMIO_DEVICE_ID 0x008  // 2 = block device
#define MMIO_DEVICE_FEATURES 0x010
#define MMIO_DEVICE_FEATURES_SEL 0x014
#define MMIO_DRIVER_FEATURES 0x020
#define MMIO_DRIVER_FEATURES_SEL 0x024
#define MMIO_QUEUE_SEL 0x030
#define MMIO_QUEUE_NUM_MAX 0x034
#define MMIO_QUEUE_NUM 0x038
#define MMIO_QUEUE_READY 0x044
#define MMIO_QUEUE_NOTIFY 0x050
#define MMIO_INTERRUPT_STATUS 0x060
#define MMIO_INTERRUPT_ACK 0x064
#define MMIO_STATUS 0x070
#define MMIO_QUEUE_DESC_LOW 0x080
#define MMIO_QUEUE_DESC_HIGH 0x084
#define MMIO_QUEUE_DRIVER_LOW 0x090  // the available ring
#define MMIO_QUEUE_DRIVER_HIGH 0x094
#define MMIO_QUEUE_DEVICE_LOW 0x0a0  // the used ring
#define MMIO_QUEUE_DEVICE_HIGH 0x0a4
#define MMIO_CONFIG_GENERATION 0x0fc  // changes while the device updates its config
#define MMIO_CONFIG 0x100             // device-specific configuration space

// virtio-blk configuration space: capacity (le64, in 512-byte sectors) first.
#define BLK_CONFIG_CAPACITY 0x00

#define VIRTIO_MAGIC 0x74726976
#define VIRTIO_DEV_BLOCK 2

// Device status bits.
#define STATUS_ACKNOWLEDGE 1
#define STATUS_DRIVER 2
#define STATUS_DRIVER_OK 4
#define STATUS_FEATURES_OK 8

// Feature bits we refuse (numbers from the spec), and the one we need.
#define F_BLK_RO 5
#define F_BLK_SCSI 7
#define F_BLK_CONFIG_WCE 11
#define F_BLK_MQ 12
#define F_ANY_LAYOUT 27
#define F_RING_INDIRECT_DESC 28
#define F_RING_EVENT_IDX 29
#define F_VERSION_1 32  // modern device semantics

// Split virtqueue layout.
#define NDESC 32        // descriptors; a request uses 3, so 10 can be in flight
#define DESC_F_NEXT 1   // chain continues at .next
#define DESC_F_WRITE 2  // device writes this buffer

struct vq_desc {
  uint64 addr;  // physical
  uint32 len;
  uint16 flags;
  uint16 next;
};

struct vq_avail {
  uint16 flags;
  uint16 idx;  // where the driver puts the next entry
  uint16 ring[NDESC];
  uint16 used_event;
};

struct vq_used_elem {
  uint32 id;  // head descriptor of a finished chain
  uint32 len;
};

struct vq_used {
  uint16 flags;
  uint16 idx;  // where the device puts the next entry
  struct vq_used_elem ring[NDESC];
  uint16 avail_event;
};

// virtio-blk request header.
#define BLK_T_IN 0   // read
#define BLK_T_OUT 1  // write
struct blk_req_hdr {
  uint32 type;
  uint32 reserved;
  uint64 sector;  // in 512-byte units
};

// In-flight request state, indexed by the chain's head descriptor.
struct req {
  struct blk_req_hdr hdr;  // device reads this
  volatile uint8 status;   // device writes 0 on success
  int inflight;            // d: 1 from submission until the used ring returns it
};

// One virtio-blk device. Lock key: d = the disk's lock.
struct disk {
  uint64 base;       // physical MMIO address of its transport
  const char *name;  // for messages
  int present;       // set once at boot
  uint64 capacity;   // sectors of 512 bytes (fixed after boot)
  struct spinlock lock;
  struct vq_desc *desc;           // d: one page, NDESC used
  struct vq_avail *avail;         // d: one page
  volatile struct vq_used *used;  // device writes; one page
  uint8 desc_free[NDESC];         // d: 1 = descriptor available
  uint16 used_seen;               // d: used ring entries consumed
  struct req reqs[NDESC];         // d
};

static struct disk disks[NDISK] = {
    {.base = VIRTIO0, .name = "virtio_disk0"},
    {.base = VIRTIO1, .name = "virtio_disk1"},
};

static volatile uint32 *
mmio(struct disk *d, int off)
{
  return (volatile uint32 *)((char *)P2V(d->base) + off);
}

static uint32
mmio_read(struct disk *d, int off)
{
  return *mmio(d, off);
}

static void
mmio_write(struct disk *d, int off, uint32 v)
{
  *mmio(d, off) = v;
}

// Accept what the device offers minus what this driver does not handle.
// Returns the low feature word the device offered.
static uint32
negotiate_features(struct disk *d)
{
  uint32 refuse = (1u << F_BLK_RO) | (1u << F_BLK_SCSI) | (1u << F_BLK_CONFIG_WCE) |
                  (1u << F_BLK_MQ) | (1u << F_ANY_LAYOUT) | (1u << F_RING_INDIRECT_DESC) |
                  (1u << F_RING_EVENT_IDX);

  mmio_write(d, MMIO_DEVICE_FEATURES_SEL, 0);
  uint32 offered = mmio_read(d, MMIO_DEVICE_FEATURES);
  mmio_write(d, MMIO_DEVICE_FEATURES_SEL, 1);
  uint32 hi = mmio_read(d, MMIO_DEVICE_FEATURES) & (1u << (F_VERSION_1 - 32));

  mmio_write(d, MMIO_DRIVER_FEATURES_SEL, 0);
  mmio_write(d, MMIO_DRIVER_FEATURES, offered & ~refuse);
  mmio_write(d, MMIO_DRIVER_FEATURES_SEL, 1);
  mmio_write(d, MMIO_DRIVER_FEATURES, hi);
  return offered;
}

static void *
zeroed_page(void)
{
  void *p = kalloc();
  if (p == 0)
    panic("virtio_disk: out of memory");
  memset(p, 0, PGSIZE);
  return p;
}

// Tell the device where queue 0's rings live (physical addresses).
static void
setup_queue(struct disk *d)
{
  mmio_write(d, MMIO_QUEUE_SEL, 0);
  if (mmio_read(d, MMIO_QUEUE_READY) != 0)
    panic("virtio_disk: queue 0 already in use");
  uint32 max = mmio_read(d, MMIO_QUEUE_NUM_MAX);
  if (max == 0)
    panic("virtio_disk: no queue 0");
  if (max < NDESC)
    panic("virtio_disk: queue 0 too short");

  d->desc = zeroed_page();
  d->avail = zeroed_page();
  d->used = zeroed_page();

  uint64 pd = V2P(d->desc), pa = V2P(d->avail), pu = V2P((void *)d->used);
  mmio_write(d, MMIO_QUEUE_NUM, NDESC);
  mmio_write(d, MMIO_QUEUE_DESC_LOW, (uint32)pd);
  mmio_write(d, MMIO_QUEUE_DESC_HIGH, (uint32)(pd >> 32));
  mmio_write(d, MMIO_QUEUE_DRIVER_LOW, (uint32)pa);
  mmio_write(d, MMIO_QUEUE_DRIVER_HIGH, (uint32)(pa >> 32));
  mmio_write(d, MMIO_QUEUE_DEVICE_LOW, (uint32)pu);
  mmio_write(d, MMIO_QUEUE_DEVICE_HIGH, (uint32)(pu >> 32));
  mmio_write(d, MMIO_QUEUE_READY, 1);

  for (int i = 0; i < NDESC; i++)
    d->desc_free[i] = 1;
}

// The capacity field of the configuration space, read as two 32-bit
// halves; the generation counter tells whether the device changed it
// between the two reads (virtio spec 4.2.2.2), then we read again.
static uint64
read_capacity(struct disk *d)
{
  uint32 gen, lo, hi;
  do {
    gen = mmio_read(d, MMIO_CONFIG_GENERATION);
    lo = mmio_read(d, MMIO_CONFIG + BLK_CONFIG_CAPACITY);
    hi = mmio_read(d, MMIO_CONFIG + BLK_CONFIG_CAPACITY + 4);
  } while (mmio_read(d, MMIO_CONFIG_GENERATION) != gen);
  return ((uint64)hi << 32) | lo;
}

// Is a modern virtio-blk device behind this transport? An empty QEMU
// virtio-mmio slot answers with device id 0.
static int
probe(struct disk *d)
{
  return mmio_read(d, MMIO_MAGIC) == VIRTIO_MAGIC && mmio_read(d, MMIO_VERSION) == 2 &&
         mmio_read(d, MMIO_DEVICE_ID) == VIRTIO_DEV_BLOCK;
}

// Initialise one probed device (virtio spec 3.1.1 order). 0, or -1 if the
// device refuses our features, or is read-only and we must write (then it
// is left reset, unused).
static int
disk_init(struct disk *d, int need_write)
{
  uint32 status = 0;
  mmio_write(d, MMIO_STATUS, status);  // reset
  status |= STATUS_ACKNOWLEDGE;
  mmio_write(d, MMIO_STATUS, status);
  status |= STATUS_DRIVER;
  mmio_write(d, MMIO_STATUS, status);

  uint32 offered = negotiate_features(d);
  status |= STATUS_FEATURES_OK;
  mmio_write(d, MMIO_STATUS, status);
  if ((mmio_read(d, MMIO_STATUS) & STATUS_FEATURES_OK) == 0 ||
      (need_write && (offered & (1u << F_BLK_RO)))) {
    mmio_write(d, MMIO_STATUS, 0);
    return -1;
  }

  setup_queue(d);
  d->capacity = read_capacity(d);

  status |= STATUS_DRIVER_OK;
  mmio_write(d, MMIO_STATUS, status);
  d->present = 1;
  return 0;
}

// Find and initialise the disks. Boot, once, after kalloc works. Panics if
// the file system disk is missing or unsuitable; a missing or unusable
// swap disk only means no swap.
void
virtio_disk_init(void)
{
  for (int i = 0; i < NDISK; i++)
    initlock(&disks[i].lock, disks[i].name);

  if (!probe(&disks[0]))
    panic("virtio_disk: no modern virtio-blk device at VIRTIO0");
  if (disk_init(&disks[0], 0) < 0)
    panic("virtio_disk: device refused our features");

  if (probe(&disks[1]) && disk_init(&disks[1], 1) < 0)
    printf("virtio_disk1: unusable (read-only or refused our features): no swap\n");
}

// Sectors of disk dev (512 bytes each); 0 if it is absent.
uint64
virtio_disk_capacity(int dev)
{
  if (dev < 0 || dev >= NDISK || !disks[dev].present)
    return 0;
  return disks[dev].capacity;
}

// Take a free descriptor; -1 if none. Caller holds d->lock.
static int
desc_alloc_locked(struct disk *d)
{
  for (int i = 0; i < NDESC; i++) {
    if (d->desc_free[i]) {
      d->desc_free[i] = 0;
      return i;
    }
  }
  return -1;
}

// Return one descriptor and wake anyone waiting for room. Holds d->lock.
static void
desc_free_locked(struct disk *d, int i)
{
  if (i < 0 || i >= NDESC || d->desc_free[i])
    panic("virtio_disk: bad descriptor free");
  d->desc[i].addr = 0;
  d->desc[i].len = 0;
  d->desc[i].flags = 0;
  d->desc[i].next = 0;
  d->desc_free[i] = 1;
  wakeup(&d->desc_free[0]);
}

// Free the chain that starts at head. Caller holds d->lock.
static void
chain_free_locked(struct disk *d, int head)
{
  for (int i = head;;) {
    int more = d->desc[i].flags & DESC_F_NEXT;
    int next = d->desc[i].next;
    desc_free_locked(d, i);
    if (!more)
      break;
    i = next;
  }
}

static int
desc_nfree_locked(struct disk *d)
{
  int n = 0;
  for (int i = 0; i < NDESC; i++)
    n += d->desc_free[i];
  return n;
}

// Take three descriptors, all or none. Returns 0, or -1 if not available.
static int
chain_alloc3_locked(struct disk *d, int *c)
{
  for (int i = 0; i < 3; i++) {
    c[i] = desc_alloc_locked(d);
    if (c[i] < 0) {
      while (--i >= 0)
        desc_free_locked(d, c[i]);
      return -1;
    }
  }
  return 0;
}

// Start one request: len bytes at physical address pa to (write=1) or
// from sector on to d. Holds d->lock; may sleep (releasing it) until three
// descriptors are free. Returns the chain's head, for disk_wait_locked.
static int
disk_submit_locked(struct disk *d, uint64 sector, uint64 pa, uint32 len, int write)
{
  int c[3];
  while (chain_alloc3_locked(d, c) < 0)
    sleep(&d->desc_free[0], &d->lock);

  struct req *r = &d->reqs[c[0]];
  r->hdr.type = write ? BLK_T_OUT : BLK_T_IN;
  r->hdr.reserved = 0;
  r->hdr.sector = sector;
  r->status = 0xff;  // anything but 0, so a missing write shows
  r->inflight = 1;

  d->desc[c[0]].addr = V2P(&r->hdr);
  d->desc[c[0]].len = sizeof(r->hdr);
  d->desc[c[0]].flags = DESC_F_NEXT;
  d->desc[c[0]].next = c[1];

  d->desc[c[1]].addr = pa;
  d->desc[c[1]].len = len;
  d->desc[c[1]].flags = DESC_F_NEXT | (write ? 0 : DESC_F_WRITE);
  d->desc[c[1]].next = c[2];

  d->desc[c[2]].addr = V2P((void *)&r->status);
  d->desc[c[2]].len = 1;
  d->desc[c[2]].flags = DESC_F_WRITE;
  d->desc[c[2]].next = 0;

  d->avail->ring[d->avail->idx % NDESC] = c[0];
  __sync_synchronize();  // descriptors and ring entry before the index
  d->avail->idx++;
  __sync_synchronize();  // index before the doorbell
  mmio_write(d, MMIO_QUEUE_NOTIFY, 0);
  return c[0];
}

// Wait for the request whose chain starts at head, free its descriptors
// and return the device's status byte (0 = success). Holds d->lock; sleeps.
static int
disk_wait_locked(struct disk *d, int head)
{
  struct req *r = &d->reqs[head];
  while (r->inflight)
    sleep(r, &d->lock);
  int status = r->status;
  chain_free_locked(d, head);
  return status;
}

// One request, start to finish. Caller holds no spinlock; sleeps.
static int
disk_rw(struct disk *d, uint64 sector, uint64 pa, uint32 len, int write)
{
  acquire(&d->lock);
  int status = disk_wait_locked(d, disk_submit_locked(d, sector, pa, len, write));
  release(&d->lock);
  return status;
}

// Read (write=0) or write (write=1) block b->blockno of the file system
// disk to/from b->data. Caller holds b's sleep lock and no spinlock.
// Sleeps until the device finishes; sets b->disk while the request is in
// flight. An I/O error on the file system disk panics.
void
virtio_disk_rw(struct buf *b, int write)
{
  // The device needs physical addresses: b->data must be in the linear
  // kernel map (kernel image or a kalloc'd frame).
  assert((uint64)b->data >= KVOFFSET);
  b->disk = 1;
  int status = disk_rw(&disks[0], (uint64)b->blockno * (BSIZE / 512), V2P(b->data), BSIZE, write);
  b->disk = 0;
  if (status != 0)
    panic("virtio_disk: I/O error");
}

// Read (write=0) or write (write=1) the 4 KiB frame at physical address pa
// from/to disk dev at sectors [sector, sector + 8), in one request.
// Returns 0, or -1 if dev is absent, the range is past its end, or the
// device reports an error. No spinlock held; sleeps.
int
virtio_disk_page(int dev, uint64 sector, uint64 pa, int write)
{
  const uint64 n = PGSIZE / 512;
  if (dev < 0 || dev >= NDISK || !disks[dev].present)
    return -1;
  struct disk *d = &disks[dev];
  if (sector > d->capacity || d->capacity - sector < n || (pa & (PGSIZE - 1)) != 0)
    return -1;
  return disk_rw(d, sector, pa, PGSIZE, write) == 0 ? 0 : -1;
}

// Several pages at once: frame pa[i] from/to sectors [sector[i],
// sector[i] + 8) of disk dev, for i < n, with as many requests in flight
// as the queue holds (the device may serve them in any order). Sets
// ok[i] to 0 or -1 as virtio_disk_page would and returns how many failed.
// No spinlock held; sleeps until every request is done.
int
virtio_disk_pages(int dev, int n, const uint64 *sector, const uint64 *pa, int write, int *ok)
{
  enum { MAXQ = NDESC / 3 };
  int head[MAXQ], idx[MAXQ];  // in flight, oldest first, as a ring
  int first = 0, count = 0, failed = 0;
  const uint64 spp = PGSIZE / 512;
  struct disk *d = dev >= 0 && dev < NDISK && disks[dev].present ? &disks[dev] : 0;

  if (d)
    acquire(&d->lock);
  for (int i = 0; i < n; i++) {
    if (d == 0 || sector[i] > d->capacity || d->capacity - sector[i] < spp ||
        (pa[i] & (PGSIZE - 1)) != 0) {
      ok[i] = -1;
      failed++;
      continue;
    }
    // Wait for our oldest request when the queue is full. Never sleep for
    // descriptors while holding requests of our own: two batches doing so
    // would each wait for the other to free its chains.
    if (count == MAXQ || (count > 0 && desc_nfree_locked(d) < 3)) {
      int k = idx[first];
      ok[k] = disk_wait_locked(d, head[first]) == 0 ? 0 : -1;
      failed += ok[k] < 0;
      first = (first + 1) % MAXQ;
      count--;
    }
    int slot = (first + count) % MAXQ;
    head[slot] = disk_submit_locked(d, sector[i], pa[i], PGSIZE, write);
    idx[slot] = i;
    count++;
  }
  for (; count > 0; count--, first = (first + 1) % MAXQ) {
    int k = idx[first];
    ok[k] = disk_wait_locked(d, head[first]) == 0 ? 0 : -1;
    failed += ok[k] < 0;
  }
  if (d)
    release(&d->lock);
  return failed;
}

// Disk interrupt of disk dev: acknowledge it, then finish every request
// the device has placed in the used ring. Interrupt context; takes the
// disk's lock.
void
virtio_disk_intr(int dev)
{
  struct disk *d = &disks[dev];
  if (!d->present)
    return;  // no queue to look at (a stray interrupt)
  acquire(&d->lock);

  mmio_write(d, MMIO_INTERRUPT_ACK, mmio_read(d, MMIO_INTERRUPT_STATUS) & 0x3);
  __sync_synchronize();

  while (d->used_seen != d->used->idx) {
    __sync_synchronize();  // read the entry only after seeing the index
    uint32 id = d->used->ring[d->used_seen % NDESC].id;
    if (id >= NDESC || !d->reqs[id].inflight)
      panic("virtio_disk: bogus used entry");
    d->reqs[id].inflight = 0;
    wakeup(&d->reqs[id]);
    d->used_seen++;
  }

  release(&d->lock);
}
