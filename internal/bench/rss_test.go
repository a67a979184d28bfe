package bench

import (
	"os"
	"strings"
	"testing"
)

func TestParseVmHWM(t *testing.T) {
	status := "Name:\tsluice\nVmPeak:\t 1000 kB\nVmHWM:\t   20480 kB\nVmRSS:\t 10000 kB\n"
	got, err := parseVmHWM(strings.NewReader(status))
	if err != nil || got != 20480*1024 {
		t.Fatalf("parseVmHWM = %d, %v; want %d", got, err, 20480*1024)
	}
	if _, err := parseVmHWM(strings.NewReader("Name:\tx\nVmRSS:\t1 kB\n")); err == nil {
		t.Errorf("parseVmHWM without a VmHWM line succeeded")
	}
	if _, err := parseVmHWM(strings.NewReader("VmHWM:\t12 MB\n")); err == nil {
		t.Errorf("parseVmHWM accepted a unit other than kB")
	}
}

func TestPeakRSSSeesTouchedMemory(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc on this system")
	}
	const size = 64 << 20
	buf := make([]byte, size)
	for i := 0; i < len(buf); i += 4096 {
		buf[i] = 1
	}
	peak, err := PeakRSS()
	if err != nil {
		t.Fatal(err)
	}
	if peak < size {
		t.Errorf("PeakRSS = %d after touching %d bytes", peak, size)
	}
	_ = buf[len(buf)-1]
}
