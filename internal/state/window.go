package state

import (
	"fmt"
	"math"
)

// Window identifies a window by its bounds in milliseconds. Tumbling and
// hopping windows have End = Start + size; session windows end at their
// last event.
type Window struct {
	Start, End int64
}

// WindowStore is a named sub-store of values per (key, window). One key's
// windows are stored together in (Start, End) order, so fetching a key's
// windows over a span of starts is one ordered scan. A second, start-
// ordered index makes purging old windows cost only what it deletes.
type WindowStore struct {
	s      *Store
	prefix []byte // key, start, end -> value
	index  []byte // start, key, end -> nothing
}

func (w *WindowStore) keyPrefix(key []byte) []byte {
	b := make([]byte, 0, len(w.prefix)+len(key)+2+16)
	return appendEscaped(append(b, w.prefix...), key)
}

func (w *WindowStore) full(key []byte, win Window) []byte {
	return appendTime(appendTime(w.keyPrefix(key), win.Start), win.End)
}

func (w *WindowStore) indexKey(key []byte, win Window) []byte {
	b := make([]byte, 0, len(w.index)+8+len(key)+2+8)
	b = appendTime(append(b, w.index...), win.Start)
	return appendTime(appendEscaped(b, key), win.End)
}

// Put sets the value of key's window win.
func (w *WindowStore) Put(key []byte, win Window, value []byte) error {
	if err := w.s.put(w.indexKey(key, win), nil, false); err != nil {
		return err
	}
	return w.s.put(w.full(key, win), value, false)
}

// Get returns the value of key's window win.
func (w *WindowStore) Get(key []byte, win Window) ([]byte, bool, error) {
	return w.s.get(w.full(key, win))
}

// Delete removes key's window win.
func (w *WindowStore) Delete(key []byte, win Window) error {
	if err := w.s.put(w.indexKey(key, win), nil, true); err != nil {
		return err
	}
	return w.s.put(w.full(key, win), nil, true)
}

// Fetch iterates key's windows whose start is in [fromStart, toStart],
// by start then end. Like Range, it sees the store as it was when called.
func (w *WindowStore) Fetch(key []byte, fromStart, toStart int64) (*WindowIter, error) {
	kp := w.keyPrefix(key)
	lo := appendTime(append([]byte(nil), kp...), fromStart)
	hi := prefixEnd(kp)
	if toStart < math.MaxInt64 {
		hi = appendTime(append([]byte(nil), kp...), toStart+1)
	}
	return w.iter(lo, hi)
}

// FetchAll iterates every window, by key, then start, then end.
func (w *WindowStore) FetchAll() (*WindowIter, error) {
	return w.iter(w.prefix, prefixEnd(w.prefix))
}

func (w *WindowStore) iter(lo, hi []byte) (*WindowIter, error) {
	it, err := w.s.newIter(lo, hi)
	if err != nil {
		return nil, err
	}
	return &WindowIter{it: Iter{s: w.s, it: it, strip: len(w.prefix)}}, nil
}

// PurgeBefore deletes every window starting before startMs, as retention
// requires (startMs = stream time - retention), and returns how many it
// deleted.
func (w *WindowStore) PurgeBefore(startMs int64) (int, error) {
	lo, hi := w.index, appendTime(append([]byte(nil), w.index...), startMs)
	it, err := w.s.newIter(lo, hi)
	if err != nil {
		return 0, err
	}
	var doomed [][]byte
	for ok := it.First(); ok; ok = it.Next() {
		k := it.Key()[len(w.index):]
		start := readTime(k)
		key, rest, err := readEscaped(k[8:])
		if err == nil && len(rest) != 8 {
			err = errCorruptKey
		}
		if err != nil {
			it.Close()
			w.s.iterClosed()
			return 0, fmt.Errorf("state: purging %q: %w", w.prefix[3:], err)
		}
		doomed = append(doomed, w.full(key, Window{Start: start, End: readTime(rest)}))
	}
	err = it.Error()
	it.Close()
	w.s.iterClosed()
	if err != nil {
		return 0, err
	}
	// newIter emptied the map, so the pending batch alone holds every
	// index entry in the range and one range deletion removes them all.
	if err := w.s.pending.DeleteRange(lo, hi, nil); err != nil {
		return 0, w.s.fail(err)
	}
	for _, k := range doomed {
		if err := w.s.put(k, nil, true); err != nil {
			return 0, err
		}
	}
	return len(doomed), nil
}

// WindowIter walks windows. Key and Value are valid until the next call
// to Next.
type WindowIter struct {
	it  Iter
	key []byte
	win Window
	err error
}

// Next moves to the next window and reports whether there is one.
func (i *WindowIter) Next() bool {
	if i.err != nil || !i.it.Next() {
		return false
	}
	key, rest, err := readEscaped(i.it.Key())
	if err == nil && len(rest) != 16 {
		err = errCorruptKey
	}
	if err != nil {
		i.err = err
		return false
	}
	i.key = key
	i.win = Window{Start: readTime(rest), End: readTime(rest[8:])}
	return true
}

// Key is the current window's key.
func (i *WindowIter) Key() []byte { return i.key }

// Window is the current window.
func (i *WindowIter) Window() Window { return i.win }

// Value is the current window's value.
func (i *WindowIter) Value() []byte { return i.it.Value() }

// Err is the error that ended the iteration, if any.
func (i *WindowIter) Err() error {
	if i.err != nil {
		return i.err
	}
	return i.it.Err()
}

// Close releases the iterator.
func (i *WindowIter) Close() error { return i.it.Close() }
