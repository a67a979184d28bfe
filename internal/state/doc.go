// Package state owns operator state: keyed and windowed stores kept in one
// Pebble database per task, with uncommitted changes held in a pending batch
// that reads see, and committed only by a checkpoint that
// records, in the same atomic and synced write, the input offsets consumed
// and the output positions reached. After a crash the task reopens its store
// at the last checkpoint; anything written after it is gone.
package state
