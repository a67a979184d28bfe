//go:build race

package engine

// raceDetector is on: the tests that exist for volume rather than for
// interleavings run smaller.
const raceDetector = true
