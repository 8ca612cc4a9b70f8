package goot

// historyCapMax bounds the capacity reserved for an error history: users
// pass a huge iteration cap (1e9, 2^62) to mean "until convergence", which
// must not reserve gigabytes, or overflow, up front. A longer history grows
// by append.
const historyCapMax = 1 << 12

// HistoryCap is the capacity to reserve for the error history of a solve of
// at most maxIter iterations that records the error every `every` iterations.
func HistoryCap(maxIter, every int) int {
	return min(max(maxIter, 0)/max(every, 1), historyCapMax) + 2
}
