/* HYP exception entry contract between boot/vectors.S and C. Included by assembly: keep the part
 * outside __ASSEMBLER__ to #defines. */
#ifndef BULKHEAD_EXCEPTION_H
#define BULKHEAD_EXCEPTION_H

/* Vector slot numbers (offset / 4 in the HVBAR table, ARM ARM B1.8.1). */
#define HYP_VEC_RESET 0
#define HYP_VEC_UNDEF 1
#define HYP_VEC_SVC 2
#define HYP_VEC_PABT 3
#define HYP_VEC_DABT 4
#define HYP_VEC_TRAP 5
#define HYP_VEC_IRQ 6
#define HYP_VEC_FIQ 7

#ifndef __ASSEMBLER__
#include "hyp/types.h"

/* Saved by fatal_entry in boot/vectors.S: push {r0-r12} then push {sp, lr, elr, spsr}. */
struct hyp_frame {
	uint32_t sp;   /* sp at the time of the exception */
	uint32_t lr;   /* lr (not banked in HYP mode) */
	uint32_t elr;  /* ELR_hyp: preferred return address */
	uint32_t spsr; /* SPSR_hyp */
	uint32_t r[13];
};
_Static_assert(sizeof(struct hyp_frame) == 17 * 4, "frame layout must match vectors.S");

/* Fatal HYP-mode exception: dumps the frame and syndrome registers, stops every CPU. */
void hyp_fatal_exception(struct hyp_frame *f, unsigned vec) __noreturn;

/* IRQ taken in HYP mode, or on a guest exit the fast path did not answer (hyp/irq.c). */
void hyp_irq(void);

struct vcpu;
/* The IRQ fast path, called from the IRQ vector (boot/vectors.S) on a guest exit before anything
 * but the guest's r0-r3, r12 and LR_usr is saved, v the vCPU that was running. Acknowledges the
 * IRQ; true if it was answered (the virtual timer's tick, vgic_fast_irq()) and the vector
 * returns straight to the guest. Sound for the same reason as trap_fast(): the run queue, the
 * vCPU's state and stage 2 are untouched, and an event that needs the run loop is a further
 * IRQ, pending at the ERET. False: the exit takes the full path, and hyp_irq() gets the IAR. */
bool irq_fast(struct vcpu *v);
#endif

#endif
