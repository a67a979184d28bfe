package log

import "fmt"

// MaxTopicNameLen is Kafka's limit, kept so that names move between modes.
const MaxTopicNameLen = 249

// ValidateTopicName applies Kafka's rules: 1 to 249 characters from
// [a-zA-Z0-9._-], and neither "." nor "..".
func ValidateTopicName(name string) error {
	if name == "" || name == "." || name == ".." || len(name) > MaxTopicNameLen {
		return fmt.Errorf("%w: %q (use 1 to %d characters of a-z A-Z 0-9 . _ -, not \".\" or \"..\")", ErrInvalidTopicName, name, MaxTopicNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("%w: %q has %q at position %d (use a-z A-Z 0-9 . _ -)", ErrInvalidTopicName, name, c, i+1)
		}
	}
	return nil
}

// PartitionForKey is Kafka's default partitioner (murmur2 of the key, made
// positive, modulo the partition count), so a key lands in the same
// partition in embedded and kafka mode and for Kafka clients.
func PartitionForKey(key []byte, partitions int32) int32 {
	return int32((murmur2(key) & 0x7fffffff) % uint32(partitions))
}

func murmur2(data []byte) uint32 {
	const (
		seed uint32 = 0x9747b28c
		m    uint32 = 0x5bd1e995
		r           = 24
	)
	n := len(data)
	h := seed ^ uint32(n)
	for i := 0; i+4 <= n; i += 4 {
		k := uint32(data[i]) | uint32(data[i+1])<<8 | uint32(data[i+2])<<16 | uint32(data[i+3])<<24
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
	}
	tail := data[n&^3:]
	switch len(tail) {
	case 3:
		h ^= uint32(tail[2]) << 16
		fallthrough
	case 2:
		h ^= uint32(tail[1]) << 8
		fallthrough
	case 1:
		h ^= uint32(tail[0])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return h
}
