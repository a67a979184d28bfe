package log

import (
	"errors"
	"testing"
)

func TestValidateTopicName(t *testing.T) {
	for _, ok := range []string{"a", "events.s2", "my_topic-1", string(make249())} {
		if err := ValidateTopicName(ok); err != nil {
			t.Errorf("ValidateTopicName(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "a b", "a/b", "é", string(make249()) + "x"} {
		if err := ValidateTopicName(bad); !errors.Is(err, ErrInvalidTopicName) {
			t.Errorf("ValidateTopicName(%q) = %v, want ErrInvalidTopicName", bad, err)
		}
	}
}

func make249() []byte {
	b := make([]byte, 249)
	for i := range b {
		b[i] = 'x'
	}
	return b
}

// Kafka's default partitioner hashes with Utils.murmur2; these are the
// values its own tests pin.
func TestPartitionForKeyMatchesKafka(t *testing.T) {
	want := map[string]int32{
		// murmur2 results from Kafka's UtilsTest.testMurmur2.
		"21":                         int32(-973932308),
		"foobar":                     int32(-790332482),
		"a-little-bit-long-string":   int32(-985981536),
		"a-little-bit-longer-string": int32(-1486304829),
		"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": int32(-58897971),
		"abc": int32(479470107),
	}
	for k, h := range want {
		if got := int32(murmur2([]byte(k))); got != h {
			t.Errorf("murmur2(%q) = %d, want %d", k, got, h)
		}
		if p := PartitionForKey([]byte(k), 7); p != int32((uint32(h)&0x7fffffff)%7) {
			t.Errorf("PartitionForKey(%q, 7) = %d", k, p)
		}
	}
}
