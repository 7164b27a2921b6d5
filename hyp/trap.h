/* Guest exits: dispatch by HSR exception class (ARM ARM B3.13.6). */
#ifndef BULKHEAD_TRAP_H
#define BULKHEAD_TRAP_H

#include "hyp/vcpu.h"

/* HSR exception classes Bulkhead handles. */
#define EC_WFI_WFE 0x01u
#define EC_CP15_32 0x03u
#define EC_CP15_64 0x04u
#define EC_CP14_32 0x05u
#define EC_CP14_LS 0x06u
#define EC_HCPTR 0x07u
#define EC_CP10_ID 0x08u
#define EC_CP14_64 0x0cu
#define EC_HVC 0x12u
#define EC_SMC 0x13u
#define EC_PABT_LOW 0x20u
#define EC_DABT_LOW 0x24u

#define HSR_EC_SHIFT 26
#define HSR_IL (1u << 25)
#define HSR_ISS_MASK 0x1ffffffu
#define HSR_DFSC_MASK 0x3fu

/* The fast path, called from the trap vector (boot/vectors.S) before the world switch saves
 * anything into v: r points at the guest's r0-r12 and LR_usr as the vector pushed them (changes
 * there and to ELR_hyp reach the guest), and v->regs is stale. Answers in place and returns true
 * (the vector returns straight to the guest) for:
 *   - an HVC that only reads state (hypercall_fast());
 *   - a data abort on a device the partition's bus emulates, with a syndrome and Rt in r0-r12
 *     (mmio_fast() below): the same emulation as the full path.
 * Sound because neither changes what the run loop acts on (run queue, stage 2, vCPU state); an
 * emulated access that does (a kick of this CPU, an interrupt for v that needs its list
 * registers refilled) is completed here and then handed to the run loop with v->exit_done set,
 * so trap_handle() does not repeat it. An event from elsewhere is an IRQ, pending at the ERET,
 * so it exits at once. False: the exit takes the full path. */
bool trap_fast(struct vcpu *v, uint32_t *r);

/* Handles the trap that ended v's last run (HSR, HDFAR, ... still hold its syndrome). */
void trap_handle(struct vcpu *v);

/* Moves v's PC past the trapped instruction (2 or 4 bytes, from HSR.IL). */
void trap_skip(struct vcpu *v, uint32_t hsr);

#endif
