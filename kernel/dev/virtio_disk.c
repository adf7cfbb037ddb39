// virtio-blk driver over modern (version 2) virtio-mmio: one split
// virtqueue, each request a 3-descriptor chain (header, data, status).
// Callers sleep until their request completes; the interrupt handler
// finishes requests and wakes them. Not responsible for caching (bio.c).
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
#define NDESC 8         // descriptors; a request uses 3
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
  struct buf *b;
};

// Lock key: d = disk_lock held.
static struct spinlock disk_lock;
static struct vq_desc *desc;           // d: one page, NDESC used
static struct vq_avail *avail;         // d: one page
static volatile struct vq_used *used;  // device writes; one page
static uint8 desc_free[NDESC];         // d: 1 = descriptor available
static uint16 used_seen;               // d: used ring entries consumed
static struct req reqs[NDESC];         // d

static volatile uint32 *
mmio(int off)
{
  return (volatile uint32 *)((char *)P2V(VIRTIO0) + off);
}

static uint32
mmio_read(int off)
{
  return *mmio(off);
}

static void
mmio_write(int off, uint32 v)
{
  *mmio(off) = v;
}

// Accept what the device offers minus what this driver does not handle.
static void
negotiate_features(void)
{
  uint32 refuse = (1u << F_BLK_RO) | (1u << F_BLK_SCSI) | (1u << F_BLK_CONFIG_WCE) |
                  (1u << F_BLK_MQ) | (1u << F_ANY_LAYOUT) | (1u << F_RING_INDIRECT_DESC) |
                  (1u << F_RING_EVENT_IDX);

  mmio_write(MMIO_DEVICE_FEATURES_SEL, 0);
  uint32 lo = mmio_read(MMIO_DEVICE_FEATURES) & ~refuse;
  mmio_write(MMIO_DEVICE_FEATURES_SEL, 1);
  uint32 hi = mmio_read(MMIO_DEVICE_FEATURES) & (1u << (F_VERSION_1 - 32));

  mmio_write(MMIO_DRIVER_FEATURES_SEL, 0);
  mmio_write(MMIO_DRIVER_FEATURES, lo);
  mmio_write(MMIO_DRIVER_FEATURES_SEL, 1);
  mmio_write(MMIO_DRIVER_FEATURES, hi);
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
setup_queue(void)
{
  mmio_write(MMIO_QUEUE_SEL, 0);
  if (mmio_read(MMIO_QUEUE_READY) != 0)
    panic("virtio_disk: queue 0 already in use");
  uint32 max = mmio_read(MMIO_QUEUE_NUM_MAX);
  if (max == 0)
    panic("virtio_disk: no queue 0");
  if (max < NDESC)
    panic("virtio_disk: queue 0 too short");

  desc = zeroed_page();
  avail = zeroed_page();
  used = zeroed_page();

  uint64 pd = V2P(desc), pa = V2P(avail), pu = V2P(used);
  mmio_write(MMIO_QUEUE_NUM, NDESC);
  mmio_write(MMIO_QUEUE_DESC_LOW, (uint32)pd);
  mmio_write(MMIO_QUEUE_DESC_HIGH, (uint32)(pd >> 32));
  mmio_write(MMIO_QUEUE_DRIVER_LOW, (uint32)pa);
  mmio_write(MMIO_QUEUE_DRIVER_HIGH, (uint32)(pa >> 32));
  mmio_write(MMIO_QUEUE_DEVICE_LOW, (uint32)pu);
  mmio_write(MMIO_QUEUE_DEVICE_HIGH, (uint32)(pu >> 32));
  mmio_write(MMIO_QUEUE_READY, 1);

  for (int i = 0; i < NDESC; i++)
    desc_free[i] = 1;
}

// Find and initialise the disk (virtio spec 3.1.1 order). Boot, once,
// after kalloc works. Panics if the device is missing or unsuitable.
void
virtio_disk_init(void)
{
  initlock(&disk_lock, "virtio_disk");

  if (mmio_read(MMIO_MAGIC) != VIRTIO_MAGIC || mmio_read(MMIO_VERSION) != 2 ||
      mmio_read(MMIO_DEVICE_ID) != VIRTIO_DEV_BLOCK)
    panic("virtio_disk: no modern virtio-blk device at VIRTIO0");

  uint32 status = 0;
  mmio_write(MMIO_STATUS, status);  // reset
  status |= STATUS_ACKNOWLEDGE;
  mmio_write(MMIO_STATUS, status);
  status |= STATUS_DRIVER;
  mmio_write(MMIO_STATUS, status);

  negotiate_features();
  status |= STATUS_FEATURES_OK;
  mmio_write(MMIO_STATUS, status);
  if ((mmio_read(MMIO_STATUS) & STATUS_FEATURES_OK) == 0)
    panic("virtio_disk: device refused our features");

  setup_queue();

  status |= STATUS_DRIVER_OK;
  mmio_write(MMIO_STATUS, status);
}

// Take a free descriptor; -1 if none. Caller holds disk_lock.
static int
desc_alloc_locked(void)
{
  for (int i = 0; i < NDESC; i++) {
    if (desc_free[i]) {
      desc_free[i] = 0;
      return i;
    }
  }
  return -1;
}

// Return one descriptor and wake anyone waiting for room. Holds disk_lock.
static void
desc_free_locked(int i)
{
  if (i < 0 || i >= NDESC || desc_free[i])
    panic("virtio_disk: bad descriptor free");
  desc[i].addr = 0;
  desc[i].len = 0;
  desc[i].flags = 0;
  desc[i].next = 0;
  desc_free[i] = 1;
  wakeup(&desc_free[0]);
}

// Free the chain that starts at head. Caller holds disk_lock.
static void
chain_free_locked(int head)
{
  for (int i = head;;) {
    int more = desc[i].flags & DESC_F_NEXT;
    int next = desc[i].next;
    desc_free_locked(i);
    if (!more)
      break;
    i = next;
  }
}

// Take three descriptors, all or none. Returns 0, or -1 if not available.
static int
chain_alloc3_locked(int *d)
{
  for (int i = 0; i < 3; i++) {
    d[i] = desc_alloc_locked();
    if (d[i] < 0) {
      while (--i >= 0)
        desc_free_locked(d[i]);
      return -1;
    }
  }
  return 0;
}

// Read (write=0) or write (write=1) block b->blockno to/from b->data.
// Caller holds b's sleep lock and no spinlock. Sleeps until the device
// finishes; sets b->disk while the request is in flight.
void
virtio_disk_rw(struct buf *b, int write)
{
  int d[3];

  // The device needs physical addresses: b->data must be in the linear
  // kernel map (kernel image or a kalloc'd frame).
  assert((uint64)b->data >= KVOFFSET);

  acquire(&disk_lock);
  while (chain_alloc3_locked(d) < 0)
    sleep(&desc_free[0], &disk_lock);

  struct req *r = &reqs[d[0]];
  r->hdr.type = write ? BLK_T_OUT : BLK_T_IN;
  r->hdr.reserved = 0;
  r->hdr.sector = (uint64)b->blockno * (BSIZE / 512);
  r->status = 0xff;  // anything but 0, so a missing write shows
  r->b = b;

  desc[d[0]].addr = V2P(&r->hdr);
  desc[d[0]].len = sizeof(r->hdr);
  desc[d[0]].flags = DESC_F_NEXT;
  desc[d[0]].next = d[1];

  desc[d[1]].addr = V2P(b->data);
  desc[d[1]].len = BSIZE;
  desc[d[1]].flags = DESC_F_NEXT | (write ? 0 : DESC_F_WRITE);
  desc[d[1]].next = d[2];

  desc[d[2]].addr = V2P(&r->status);
  desc[d[2]].len = 1;
  desc[d[2]].flags = DESC_F_WRITE;
  desc[d[2]].next = 0;

  b->disk = 1;
  avail->ring[avail->idx % NDESC] = d[0];
  __sync_synchronize();  // descriptors and ring entry before the index
  avail->idx++;
  __sync_synchronize();  // index before the doorbell
  mmio_write(MMIO_QUEUE_NOTIFY, 0);

  while (b->disk == 1)
    sleep(b, &disk_lock);

  r->b = 0;
  chain_free_locked(d[0]);
  release(&disk_lock);
}

// Disk interrupt: acknowledge it, then finish every request the device
// has placed in the used ring. Interrupt context; takes disk_lock.
void
virtio_disk_intr(void)
{
  acquire(&disk_lock);

  mmio_write(MMIO_INTERRUPT_ACK, mmio_read(MMIO_INTERRUPT_STATUS) & 0x3);
  __sync_synchronize();

  while (used_seen != used->idx) {
    __sync_synchronize();  // read the entry only after seeing the index
    uint32 id = used->ring[used_seen % NDESC].id;
    if (id >= NDESC || reqs[id].b == 0)
      panic("virtio_disk: bogus used entry");
    if (reqs[id].status != 0)
      panic("virtio_disk: I/O error");
    struct buf *b = reqs[id].b;
    b->disk = 0;
    wakeup(b);
    used_seen++;
  }

  release(&disk_lock);
}
