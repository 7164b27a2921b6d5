/* Bulkhead hypercall ABI, shared by the hypervisor and guests (plain C, no dependencies).
 *
 * Calls follow the SMC Calling Convention (ARM DEN 0028), SMC32/HVC32 fast calls: HVC #0 with the
 * function id in r0 and arguments in r1-r3; results come back in r0 (r1-r3 where stated), other
 * registers are preserved. Bulkhead's own calls use the "standard hypervisor service" range
 * (owner 5: 0x85000000-0x8500ffff). PSCI calls (0x84000000-0x8400001f) are accepted through
 * HVC and SMC alike.
 *
 * An id Bulkhead does not implement is a fault of the calling partition (handled by its
 * fault policy, docs/bindings.md), not a silent -1: a guest that makes up calls is broken.
 */
#ifndef BULKHEAD_HYPERCALL_ABI_H
#define BULKHEAD_HYPERCALL_ABI_H

#define BH_HVC_VERSION 0x85000000u	 /* -> r0 = BH_ABI_VERSION */
#define BH_HVC_PARTITION_ID 0x85000001u	 /* -> r0 = partition index, r1 = vCPU index */
#define BH_HVC_CONSOLE_WRITE 0x85000002u /* r1 = IPA, r2 = length -> r0 = bytes taken or < 0 */
#define BH_HVC_YIELD 0x85000003u	 /* give up the rest of the time slice -> r0 = 0 */
#define BH_HVC_STOP 0x85000004u		 /* stop this partition (all vCPUs); r1 = exit code */

#define BH_HVC_TRAP_COUNT 0x85000005u /* -> r0 = traps this vCPU took (not IRQs, not HVCs) */
/* Benchmarks (docs/benchmarks.md): START records this vCPU's HYP and guest instruction counts;
 * STOP (r1 = IPA of a NUL-terminated name, r2 = iterations) prints the per-iteration counts as
 * "bench: <name>: <hyp> HYP, <guest> guest instructions per op (<n> iterations)". */
#define BH_HVC_BENCH_START 0x85000006u
#define BH_HVC_BENCH_STOP 0x85000007u

#define BH_ABI_VERSION 0x00010000u /* 1.0 */

#define BH_CONSOLE_WRITE_MAX 256u /* bytes per CONSOLE_WRITE; longer writes are cut */

/* Return codes (SMCCC style) */
#define BH_OK 0
#define BH_NOT_SUPPORTED (-1)
#define BH_INVALID (-2)

#endif
