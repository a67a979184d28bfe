package gen

import "strconv"

// The append functions write JSON fragments straight into the event buffer.
// Every text they copy from the tables in data.go is plain ASCII without
// quotes or backslashes, so nothing needs escaping.

const hexDigits = "0123456789abcdef"
const base36Digits = "0123456789abcdefghijklmnopqrstuvwxyz"

// appendHex writes the low 4n bits of v as n lower-case hex digits.
func appendHex(b []byte, v uint64, n int) []byte {
	for i := n - 1; i >= 0; i-- {
		b = append(b, hexDigits[(v>>(uint(i)*4))&0xf])
	}
	return b
}

// appendBase36 writes n base-36 digits of v (n <= 12 keeps them distinct
// for distinct v below 36^12).
func appendBase36(b []byte, v uint64, n int) []byte {
	var tmp [13]byte
	for i := n - 1; i >= 0; i-- {
		tmp[i] = base36Digits[v%36]
		v /= 36
	}
	return append(b, tmp[:n]...)
}

func appendIPv4(b []byte, ip uint32) []byte {
	b = strconv.AppendUint(b, uint64(ip>>24), 10)
	b = append(b, '.')
	b = strconv.AppendUint(b, uint64(ip>>16&0xff), 10)
	b = append(b, '.')
	b = strconv.AppendUint(b, uint64(ip>>8&0xff), 10)
	b = append(b, '.')
	return strconv.AppendUint(b, uint64(ip&0xff), 10)
}

// appendDecimal writes units/10^scale with exactly scale decimals, as a
// JSON number: appendDecimal(b, 245, 2) writes 2.45.
func appendDecimal(b []byte, units int64, scale int) []byte {
	if units < 0 {
		b = append(b, '-')
		units = -units
	}
	var pow int64 = 1
	for i := 0; i < scale; i++ {
		pow *= 10
	}
	b = strconv.AppendInt(b, units/pow, 10)
	if scale == 0 {
		return b
	}
	b = append(b, '.')
	frac := units % pow
	for p := pow / 10; p > 0; p /= 10 {
		b = append(b, byte('0'+frac/p%10))
	}
	return b
}

// appendLetters writes n random lower-case letters, with a space now and
// then as Nexmark's generator does, taking 12 letters from each random
// number.
func appendLetters(b []byte, r *rng, n int, spaces bool) []byte {
	for n > 0 {
		v := r.next()
		for k := 0; k < 12 && n > 0; k++ {
			c := byte('a' + v%26)
			v /= 26
			if spaces && c == 'z' {
				c = ' '
			}
			b = append(b, c)
			n--
		}
	}
	return b
}
