// The tests of vmtest (aspace.c, fault.c, frame.c over the fake pmap), in
// the order common/runner.c runs them (one function test_NAME each).
#include "types.h"
#include "lib/klib.h"
#include "harness.h"

#define TESTS(X)                                                                                   \
  X(frame_refcount_and_shared)                                                                     \
  X(frame_alloc_exhausts_cleanly)                                                                  \
  X(frame_prezero_pool)                                                                            \
  X(region_map_sorted)                                                                             \
  X(region_map_refuses_bad)                                                                        \
  X(region_unmap_middle_splits)                                                                    \
  X(region_unmap_head)                                                                             \
  X(region_unmap_tail)                                                                             \
  X(region_unmap_across)                                                                           \
  X(region_unmap_bad_args)                                                                         \
  X(region_table_full)                                                                             \
  X(aspace_check_detects)                                                                          \
  X(aspace_refs)                                                                                   \
  X(sbrk_grow_lazy)                                                                                \
  X(sbrk_grow_eager)                                                                               \
  X(sbrk_shrink)                                                                                   \
  X(sbrk_refuses_below_heap_start)                                                                 \
  X(sbrk_refuses_stack_guard)                                                                      \
  X(sbrk_refuses_overflow)                                                                         \
  X(sbrk_refuses_table_full)                                                                       \
  X(sbrk_eager_oom)                                                                                \
  X(fault_read_maps_zero_page)                                                                     \
  X(fault_write_zero_fills)                                                                        \
  X(fault_write_after_read)                                                                        \
  X(fault_lazy_text_and_stack)                                                                     \
  X(fault_segv_reasons)                                                                            \
  X(fault_segv_mmap_holes)                                                                         \
  X(fault_segv_above_stack)                                                                        \
  X(fault_oom_write)                                                                               \
  X(fault_oom_table)                                                                               \
  X(fault_around_sequential)                                                                       \
  X(fault_around_low_memory)                                                                       \
  X(clone_cow_shares)                                                                              \
  X(clone_cow_write_copies_then_reuses)                                                            \
  X(clone_cow_zero_page_write)                                                                     \
  X(clone_cow_readonly_text)                                                                       \
  X(clone_cow_after_parent_exits)                                                                  \
  X(clone_cow_three_generations)                                                                   \
  X(clone_copy)                                                                                    \
  X(oom_aspace_create)                                                                             \
  X(oom_clone_cow)                                                                                 \
  X(oom_clone_copy)                                                                                \
  X(oom_cow_break)                                                                                 \
  X(backing_refs_map_split_unmap)                                                                  \
  X(backing_refs_clone_and_teardown)                                                               \
  X(backing_write_implies_read)                                                                    \
  X(backing_shared_stays_shared)                                                                   \
  X(backing_sbrk_needs_heap_kind)                                                                  \
  X(backing_gap_search)                                                                            \
  X(rmap_map_split_trim)                                                                           \
  X(rmap_fork_exit)                                                                                \
  X(rmap_fork_oom)                                                                                 \
  X(rmap_truncate_every_sharer)                                                                    \
  X(rmap_wrprotect_every_sharer)                                                                   \
  X(rmap_unmap_range)                                                                              \
  X(rmap_walk_oom)                                                                                 \
  X(rmap_random)                                                                                   \
  X(filefault_private_rows)                                                                        \
  X(random_ops)                                                                                    \
  X(swap_alloc_until_full)                                                                         \
  X(swap_ref_unref_exact)                                                                          \
  X(swap_misuse_asserts)                                                                           \
  X(swap_off_refuses)                                                                              \
  X(swap_hint_reuse)                                                                               \
  X(swap_init_sizes_from_disk)                                                                     \
  X(swap_io_roundtrip)                                                                             \
  X(swap_io_error)                                                                                 \
  X(swap_io_free_slot_asserts)                                                                     \
  X(swap_selftest)

SUITE(TESTS, 2048);  // 8 MiB of fake RAM
