//go:build amd64 && !purego

#include "textflag.h"

// AVX2/FMA forms of the kernels in kernels.go. Each loop handles 8 values
// per step (two 4-lane vectors), then one 4-lane step, then the rest one
// value at a time; VZEROUPPER before returning avoids the AVX-SSE
// transition penalty in the scalar Go code that follows.

// func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL leaf+0(FP), AX
	MOVL sub+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// func xgetbv() (eax, edx uint32)
TEXT ·xgetbv(SB), NOSPLIT, $0-8
	MOVL $0, CX
	XGETBV
	MOVL AX, eax+0(FP)
	MOVL DX, edx+4(FP)
	RET

// func dot4AVX2(k0, k1, k2, k3, v []float64) (s0, s1, s2, s3 float64)
TEXT ·dot4AVX2(SB), NOSPLIT, $0-152
	MOVQ k0_base+0(FP), SI
	MOVQ k1_base+24(FP), R8
	MOVQ k2_base+48(FP), R9
	MOVQ k3_base+72(FP), R10
	MOVQ v_base+96(FP), DI
	MOVQ v_len+104(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	XORQ AX, AX
	MOVQ CX, DX
	ANDQ $-8, DX
	JZ   dot4_quad

dot4_loop8:
	VMOVUPD     (DI)(AX*8), Y8
	VMOVUPD     32(DI)(AX*8), Y9
	VFMADD231PD (SI)(AX*8), Y8, Y0
	VFMADD231PD 32(SI)(AX*8), Y9, Y4
	VFMADD231PD (R8)(AX*8), Y8, Y1
	VFMADD231PD 32(R8)(AX*8), Y9, Y5
	VFMADD231PD (R9)(AX*8), Y8, Y2
	VFMADD231PD 32(R9)(AX*8), Y9, Y6
	VFMADD231PD (R10)(AX*8), Y8, Y3
	VFMADD231PD 32(R10)(AX*8), Y9, Y7
	ADDQ        $8, AX
	CMPQ        AX, DX
	JLT         dot4_loop8

dot4_quad:
	MOVQ        CX, DX
	ANDQ        $-4, DX
	CMPQ        AX, DX
	JGE         dot4_reduce
	VMOVUPD     (DI)(AX*8), Y8
	VFMADD231PD (SI)(AX*8), Y8, Y0
	VFMADD231PD (R8)(AX*8), Y8, Y1
	VFMADD231PD (R9)(AX*8), Y8, Y2
	VFMADD231PD (R10)(AX*8), Y8, Y3
	ADDQ        $4, AX

dot4_reduce:
	VADDPD       Y4, Y0, Y0
	VADDPD       Y5, Y1, Y1
	VADDPD       Y6, Y2, Y2
	VADDPD       Y7, Y3, Y3
	VEXTRACTF128 $1, Y0, X4
	VADDPD       X4, X0, X0
	VHADDPD      X0, X0, X0
	VEXTRACTF128 $1, Y1, X5
	VADDPD       X5, X1, X1
	VHADDPD      X1, X1, X1
	VEXTRACTF128 $1, Y2, X6
	VADDPD       X6, X2, X2
	VHADDPD      X2, X2, X2
	VEXTRACTF128 $1, Y3, X7
	VADDPD       X7, X3, X3
	VHADDPD      X3, X3, X3
	CMPQ         AX, CX
	JGE          dot4_done

dot4_tail:
	VMOVSD      (DI)(AX*8), X8
	VFMADD231SD (SI)(AX*8), X8, X0
	VFMADD231SD (R8)(AX*8), X8, X1
	VFMADD231SD (R9)(AX*8), X8, X2
	VFMADD231SD (R10)(AX*8), X8, X3
	INCQ        AX
	CMPQ        AX, CX
	JLT         dot4_tail

dot4_done:
	VMOVSD X0, s0+120(FP)
	VMOVSD X1, s1+128(FP)
	VMOVSD X2, s2+136(FP)
	VMOVSD X3, s3+144(FP)
	VZEROUPPER
	RET

// func axpy4AVX2(w, k0, k1, k2, k3 []float64, u0, u1, u2, u3 float64)
TEXT ·axpy4AVX2(SB), NOSPLIT, $0-152
	MOVQ         w_base+0(FP), DI
	MOVQ         w_len+8(FP), CX
	MOVQ         k0_base+24(FP), SI
	MOVQ         k1_base+48(FP), R8
	MOVQ         k2_base+72(FP), R9
	MOVQ         k3_base+96(FP), R10
	VBROADCASTSD u0+120(FP), Y10
	VBROADCASTSD u1+128(FP), Y11
	VBROADCASTSD u2+136(FP), Y12
	VBROADCASTSD u3+144(FP), Y13
	XORQ         AX, AX
	MOVQ         CX, DX
	ANDQ         $-8, DX
	JZ           axpy4_quad

axpy4_loop8:
	VMULPD      (SI)(AX*8), Y10, Y0
	VMULPD      32(SI)(AX*8), Y10, Y1
	VFMADD231PD (R8)(AX*8), Y11, Y0
	VFMADD231PD 32(R8)(AX*8), Y11, Y1
	VFMADD231PD (R9)(AX*8), Y12, Y0
	VFMADD231PD 32(R9)(AX*8), Y12, Y1
	VFMADD231PD (R10)(AX*8), Y13, Y0
	VFMADD231PD 32(R10)(AX*8), Y13, Y1
	VADDPD      (DI)(AX*8), Y0, Y0
	VADDPD      32(DI)(AX*8), Y1, Y1
	VMOVUPD     Y0, (DI)(AX*8)
	VMOVUPD     Y1, 32(DI)(AX*8)
	ADDQ        $8, AX
	CMPQ        AX, DX
	JLT         axpy4_loop8

axpy4_quad:
	MOVQ        CX, DX
	ANDQ        $-4, DX
	CMPQ        AX, DX
	JGE         axpy4_tailcheck
	VMULPD      (SI)(AX*8), Y10, Y0
	VFMADD231PD (R8)(AX*8), Y11, Y0
	VFMADD231PD (R9)(AX*8), Y12, Y0
	VFMADD231PD (R10)(AX*8), Y13, Y0
	VADDPD      (DI)(AX*8), Y0, Y0
	VMOVUPD     Y0, (DI)(AX*8)
	ADDQ        $4, AX

axpy4_tailcheck:
	CMPQ AX, CX
	JGE  axpy4_done

axpy4_tail:
	VMULSD      (SI)(AX*8), X10, X0
	VFMADD231SD (R8)(AX*8), X11, X0
	VFMADD231SD (R9)(AX*8), X12, X0
	VFMADD231SD (R10)(AX*8), X13, X0
	VADDSD      (DI)(AX*8), X0, X0
	VMOVSD      X0, (DI)(AX*8)
	INCQ        AX
	CMPQ        AX, CX
	JLT         axpy4_tail

axpy4_done:
	VZEROUPPER
	RET

// func dotAVX2(k, v []float64) float64
TEXT ·dotAVX2(SB), NOSPLIT, $0-56
	MOVQ   k_base+0(FP), SI
	MOVQ   v_base+24(FP), DI
	MOVQ   v_len+32(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	XORQ   AX, AX
	MOVQ   CX, DX
	ANDQ   $-8, DX
	JZ     dot_quad

dot_loop8:
	VMOVUPD     (DI)(AX*8), Y8
	VMOVUPD     32(DI)(AX*8), Y9
	VFMADD231PD (SI)(AX*8), Y8, Y0
	VFMADD231PD 32(SI)(AX*8), Y9, Y1
	ADDQ        $8, AX
	CMPQ        AX, DX
	JLT         dot_loop8

dot_quad:
	MOVQ        CX, DX
	ANDQ        $-4, DX
	CMPQ        AX, DX
	JGE         dot_reduce
	VMOVUPD     (DI)(AX*8), Y8
	VFMADD231PD (SI)(AX*8), Y8, Y0
	ADDQ        $4, AX

dot_reduce:
	VADDPD       Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD       X1, X0, X0
	VHADDPD      X0, X0, X0
	CMPQ         AX, CX
	JGE          dot_done

dot_tail:
	VMOVSD      (DI)(AX*8), X8
	VFMADD231SD (SI)(AX*8), X8, X0
	INCQ        AX
	CMPQ        AX, CX
	JLT         dot_tail

dot_done:
	VMOVSD X0, ret+48(FP)
	VZEROUPPER
	RET

// func axpyAVX2(w, k []float64, u float64)
TEXT ·axpyAVX2(SB), NOSPLIT, $0-56
	MOVQ         w_base+0(FP), DI
	MOVQ         w_len+8(FP), CX
	MOVQ         k_base+24(FP), SI
	VBROADCASTSD u+48(FP), Y10
	XORQ         AX, AX
	MOVQ         CX, DX
	ANDQ         $-8, DX
	JZ           axpy_quad

axpy_loop8:
	VMOVUPD     (DI)(AX*8), Y0
	VMOVUPD     32(DI)(AX*8), Y1
	VFMADD231PD (SI)(AX*8), Y10, Y0
	VFMADD231PD 32(SI)(AX*8), Y10, Y1
	VMOVUPD     Y0, (DI)(AX*8)
	VMOVUPD     Y1, 32(DI)(AX*8)
	ADDQ        $8, AX
	CMPQ        AX, DX
	JLT         axpy_loop8

axpy_quad:
	MOVQ        CX, DX
	ANDQ        $-4, DX
	CMPQ        AX, DX
	JGE         axpy_tailcheck
	VMOVUPD     (DI)(AX*8), Y0
	VFMADD231PD (SI)(AX*8), Y10, Y0
	VMOVUPD     Y0, (DI)(AX*8)
	ADDQ        $4, AX

axpy_tailcheck:
	CMPQ AX, CX
	JGE  axpy_done

axpy_tail:
	VMOVSD      (DI)(AX*8), X0
	VFMADD231SD (SI)(AX*8), X10, X0
	VMOVSD      X0, (DI)(AX*8)
	INCQ        AX
	CMPQ        AX, CX
	JLT         axpy_tail

axpy_done:
	VZEROUPPER
	RET

// func dotAxpy4AVX2(n0, n1, n2, n3, v, w, k0, k1, k2, k3 []float64, u0, u1, u2, u3 float64) (s0, s1, s2, s3 float64)
//
// One loop over the columns that reads the next four rows (from memory) for
// their dot products with v and the current four rows (from cache) for w,
// so that the memory stream never waits for the cached pass.
TEXT ·dotAxpy4AVX2(SB), NOSPLIT, $0-304
	MOVQ         n0_base+0(FP), SI
	MOVQ         n1_base+24(FP), DI
	MOVQ         n2_base+48(FP), R8
	MOVQ         n3_base+72(FP), R9
	MOVQ         v_base+96(FP), BX
	MOVQ         w_base+120(FP), DX
	MOVQ         k0_base+144(FP), R10
	MOVQ         k1_base+168(FP), R11
	MOVQ         k2_base+192(FP), R12
	MOVQ         k3_base+216(FP), R13
	VBROADCASTSD u0+240(FP), Y8
	VBROADCASTSD u1+248(FP), Y9
	VBROADCASTSD u2+256(FP), Y10
	VBROADCASTSD u3+264(FP), Y11
	VXORPD       Y0, Y0, Y0
	VXORPD       Y1, Y1, Y1
	VXORPD       Y2, Y2, Y2
	VXORPD       Y3, Y3, Y3
	MOVQ         v_len+104(FP), CX
	ANDQ         $-4, CX
	SHLQ         $3, CX            // bytes in the 4-lane part
	XORQ         AX, AX            // byte offset
	CMPQ         AX, CX
	JGE          da_reduce

da_loop4:
	VMOVUPD     (BX)(AX*1), Y12
	VFMADD231PD (SI)(AX*1), Y12, Y0
	VFMADD231PD (DI)(AX*1), Y12, Y1
	VFMADD231PD (R8)(AX*1), Y12, Y2
	VFMADD231PD (R9)(AX*1), Y12, Y3
	VMULPD      (R10)(AX*1), Y8, Y14
	VFMADD231PD (R11)(AX*1), Y9, Y14
	VFMADD231PD (R12)(AX*1), Y10, Y14
	VFMADD231PD (R13)(AX*1), Y11, Y14
	VADDPD      (DX)(AX*1), Y14, Y14
	VMOVUPD     Y14, (DX)(AX*1)
	ADDQ        $32, AX
	CMPQ        AX, CX
	JLT         da_loop4

da_reduce:
	VEXTRACTF128 $1, Y0, X4
	VADDPD       X4, X0, X0
	VHADDPD      X0, X0, X0
	VEXTRACTF128 $1, Y1, X5
	VADDPD       X5, X1, X1
	VHADDPD      X1, X1, X1
	VEXTRACTF128 $1, Y2, X6
	VADDPD       X6, X2, X2
	VHADDPD      X2, X2, X2
	VEXTRACTF128 $1, Y3, X7
	VADDPD       X7, X3, X3
	VHADDPD      X3, X3, X3
	MOVQ         v_len+104(FP), CX
	SHLQ         $3, CX
	CMPQ         AX, CX
	JGE          da_done

da_tail:
	VMOVSD      (BX)(AX*1), X12
	VFMADD231SD (SI)(AX*1), X12, X0
	VFMADD231SD (DI)(AX*1), X12, X1
	VFMADD231SD (R8)(AX*1), X12, X2
	VFMADD231SD (R9)(AX*1), X12, X3
	VMULSD      (R10)(AX*1), X8, X14
	VFMADD231SD (R11)(AX*1), X9, X14
	VFMADD231SD (R12)(AX*1), X10, X14
	VFMADD231SD (R13)(AX*1), X11, X14
	VADDSD      (DX)(AX*1), X14, X14
	VMOVSD      X14, (DX)(AX*1)
	ADDQ        $8, AX
	CMPQ        AX, CX
	JLT         da_tail

da_done:
	VMOVSD X0, s0+272(FP)
	VMOVSD X1, s1+280(FP)
	VMOVSD X2, s2+288(FP)
	VMOVSD X3, s3+296(FP)
	VZEROUPPER
	RET
