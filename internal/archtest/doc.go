// Package archtest holds no code, only tests: they keep ARCHITECTURE.md's
// package table true and enforce the layering and house rules it states.
// Run them with: go test ./internal/archtest
package archtest
