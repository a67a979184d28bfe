// Package state owns operator state: keyed and windowed stores kept in one
// Pebble database per task, with uncommitted changes held in memory (bounded,
// spilling into a pending batch) and committed only by a checkpoint that
// records, in the same atomic and synced write, the input offsets consumed
// and the output positions reached. After a crash the task reopens its store
// at the last checkpoint; anything written after it is gone.
package state
