package functions

import (
	"fmt"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // time zones work on hosts without a zoneinfo database

	"github.com/sluicedata/sluice/internal/types"
)

// time0 is the Unix epoch in UTC.
var time0 = time.Unix(0, 0).UTC()

// zones caches time zones by name: loading one reads the zone database.
type zones struct{ m sync.Map }

// zoneAbbrevs maps the abbreviations Java accepts for a few zones to their
// region, as ksqlDB resolves them when parsing ("PST" is Los Angeles time,
// daylight saving included).
var zoneAbbrevs = map[string]string{
	"PST": "America/Los_Angeles", "PDT": "America/Los_Angeles",
	"MST": "America/Denver", "MDT": "America/Denver",
	"CST": "America/Chicago", "CDT": "America/Chicago",
	"EST": "America/New_York", "EDT": "America/New_York",
	"BST": "Europe/London", "CET": "Europe/Paris", "CEST": "Europe/Paris",
	"IST": "Asia/Kolkata", "JST": "Asia/Tokyo",
}

func (z *zones) get(name string) (*time.Location, error) {
	if l, ok := z.m.Load(name); ok {
		return l.(*time.Location), nil
	}
	id := name
	switch strings.ToUpper(name) {
	case "UTC", "GMT", "Z", "UT":
		return time.UTC, nil
	}
	if r, ok := zoneAbbrevs[strings.ToUpper(name)]; ok {
		id = r
	}
	var loc *time.Location
	if off, ok := parseOffset(id); ok {
		loc = time.FixedZone(id, off)
	} else {
		l, err := time.LoadLocation(id)
		if err != nil || id == "" || id == "Local" {
			return nil, fmt.Errorf("functions: unknown time zone %q: use a region such as 'America/Los_Angeles' or an offset such as '+02:00'", name)
		}
		loc = l
	}
	z.m.Store(name, loc)
	return loc, nil
}

// parseOffset parses "+HH", "+HHmm", "+HH:mm", optionally after "GMT" or
// "UTC", into seconds east of UTC.
func parseOffset(s string) (int, bool) {
	for _, p := range []string{"GMT", "UTC", "UT"} {
		if strings.HasPrefix(s, p) && len(s) > len(p) {
			s = s[len(p):]
			break
		}
	}
	if len(s) < 2 || (s[0] != '+' && s[0] != '-') {
		return 0, false
	}
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	digits := strings.ReplaceAll(s[1:], ":", "")
	var h, m int
	switch len(digits) {
	case 1, 2:
		if _, err := fmt.Sscanf(digits, "%d", &h); err != nil {
			return 0, false
		}
	case 4:
		if _, err := fmt.Sscanf(digits, "%2d%2d", &h, &m); err != nil {
			return 0, false
		}
	default:
		return 0, false
	}
	if h > 18 || m > 59 {
		return 0, false
	}
	return sign * (h*3600 + m*60), true
}

func registerDateTime(r *Registry) {
	z := &zones{}
	ts, date, tm := types.TimestampType, types.DateType, types.TimeType

	r.add("UNIX_TIMESTAMP", "DATE / TIME", "Returns the milliseconds since the Unix epoch of a TIMESTAMP, or of the current time.",
		fixed(bigint, func([]types.Value) (types.Value, error) { return types.BigInt(r.now().UnixMilli()), nil }),
		fixed(bigint, func(a []types.Value) (types.Value, error) { return types.BigInt(a[0].Timestamp()), nil }, p("timestamp", ts)))
	r.add("UNIX_DATE", "DATE / TIME", "Returns the days since the Unix epoch of a DATE, or of the current date (UTC).",
		fixed(integ, func([]types.Value) (types.Value, error) {
			return types.Int(types.TimestampDate(r.now().UnixMilli())), nil
		}),
		fixed(integ, func(a []types.Value) (types.Value, error) { return types.Int(a[0].Date()), nil }, p("date", date)))
	r.add("FROM_UNIXTIME", "DATE / TIME", "Converts milliseconds since the Unix epoch to a TIMESTAMP.",
		fixed(ts, func(a []types.Value) (types.Value, error) { return types.Timestamp(a[0].BigInt()), nil }, p("milliseconds", bigint)))
	r.add("FROM_DAYS", "DATE / TIME", "Converts days since the Unix epoch to a DATE.",
		fixed(date, func(a []types.Value) (types.Value, error) { return types.Date(a[0].Int()), nil }, p("days", integ)))

	formatMillis := func(ms int64, pattern, zone string) (types.Value, error) {
		loc := time.UTC
		if zone != "" {
			l, err := z.get(zone)
			if err != nil {
				return types.Null(), err
			}
			loc = l
		}
		s, err := formatTime(time.UnixMilli(ms).In(loc), pattern)
		if err != nil {
			return types.Null(), err
		}
		return types.Str(s), nil
	}
	parseMillis := func(s, pattern, zone string) (int64, error) {
		loc := time.UTC
		if zone != "" {
			l, err := z.get(zone)
			if err != nil {
				return 0, err
			}
			loc = l
		}
		t, err := parseTime(s, pattern, loc, z)
		if err != nil {
			return 0, err
		}
		return t.UnixMilli(), nil
	}

	fmtTS := func(a []types.Value) (types.Value, error) {
		zone := ""
		if len(a) > 2 {
			zone = a[2].Str()
		}
		return formatMillis(a[0].Timestamp(), a[1].Str(), zone)
	}
	r.add("FORMAT_TIMESTAMP", "DATE / TIME", "Formats a TIMESTAMP with a java.time pattern such as 'yyyy-MM-dd HH:mm:ss.SSS', in UTC or a time zone.",
		fixed(str, fmtTS, p("timestamp", ts), p("formatPattern", str)),
		fixed(str, fmtTS, p("timestamp", ts), p("formatPattern", str), p("timeZone", str)))
	tsToString := func(a []types.Value) (types.Value, error) {
		zone := ""
		if len(a) > 2 {
			zone = a[2].Str()
		}
		return formatMillis(a[0].BigInt(), a[1].Str(), zone)
	}
	r.add("TIMESTAMPTOSTRING", "DATE / TIME", "Formats milliseconds since the Unix epoch with a java.time pattern, in UTC or a time zone. Deprecated: use FORMAT_TIMESTAMP.",
		fixed(str, tsToString, p("epochMilli", bigint), p("formatPattern", str)),
		fixed(str, tsToString, p("epochMilli", bigint), p("formatPattern", str), p("timeZone", str)))

	parseTS := func(a []types.Value) (types.Value, error) {
		zone := ""
		if len(a) > 2 {
			zone = a[2].Str()
		}
		ms, err := parseMillis(a[0].Str(), a[1].Str(), zone)
		if err != nil {
			return types.Null(), err
		}
		return types.Timestamp(ms), nil
	}
	r.add("PARSE_TIMESTAMP", "DATE / TIME", "Parses a string into a TIMESTAMP with a java.time pattern, in UTC or a time zone.",
		fixed(ts, parseTS, p("formattedTimestamp", str), p("formatPattern", str)),
		fixed(ts, parseTS, p("formattedTimestamp", str), p("formatPattern", str), p("timeZone", str)))
	strToTS := func(a []types.Value) (types.Value, error) {
		v, err := parseTS(a)
		if err != nil || v.IsNull() {
			return v, err
		}
		return types.BigInt(v.Timestamp()), nil
	}
	r.add("STRINGTOTIMESTAMP", "DATE / TIME", "Parses a string into milliseconds since the Unix epoch with a java.time pattern. Deprecated: use PARSE_TIMESTAMP.",
		fixed(bigint, strToTS, p("formattedTimestamp", str), p("formatPattern", str)),
		fixed(bigint, strToTS, p("formattedTimestamp", str), p("formatPattern", str), p("timeZone", str)))

	r.add("FORMAT_DATE", "DATE / TIME", "Formats a DATE with a java.time pattern such as 'yyyy-MM-dd'.",
		fixed(str, func(a []types.Value) (types.Value, error) {
			return formatMillis(int64(a[0].Date())*types.MillisPerDay, a[1].Str(), "")
		}, p("date", date), p("formatPattern", str)))
	r.add("PARSE_DATE", "DATE / TIME", "Parses a string into a DATE with a java.time pattern.",
		fixed(date, func(a []types.Value) (types.Value, error) {
			ms, err := parseMillis(a[0].Str(), a[1].Str(), "")
			if err != nil {
				return types.Null(), err
			}
			return types.Date(types.TimestampDate(ms)), nil
		}, p("formattedDate", str), p("formatPattern", str)))
	r.add("FORMAT_TIME", "DATE / TIME", "Formats a TIME with a java.time pattern such as 'HH:mm:ss'.",
		fixed(str, func(a []types.Value) (types.Value, error) {
			return formatMillis(int64(a[0].Time()), a[1].Str(), "")
		}, p("time", tm), p("formatPattern", str)))
	r.add("PARSE_TIME", "DATE / TIME", "Parses a string into a TIME with a java.time pattern.",
		fixed(tm, func(a []types.Value) (types.Value, error) {
			ms, err := parseMillis(a[0].Str(), a[1].Str(), "")
			if err != nil {
				return types.Null(), err
			}
			return types.Time(types.TimestampTime(ms)), nil
		}, p("formattedTime", str), p("formatPattern", str)))

	r.add("CONVERT_TZ", "DATE / TIME", "Converts a TIMESTAMP's wall-clock time from one time zone to another.",
		fixed(ts, func(a []types.Value) (types.Value, error) {
			from, err := z.get(a[1].Str())
			if err != nil {
				return types.Null(), err
			}
			to, err := z.get(a[2].Str())
			if err != nil {
				return types.Null(), err
			}
			ms := a[0].Timestamp()
			t := time.UnixMilli(ms).UTC()
			_, fromOff := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), from).Zone()
			inst := ms - int64(fromOff)*1000
			_, toOff := time.UnixMilli(inst).In(to).Zone()
			return types.Timestamp(inst + int64(toOff)*1000), nil
		}, p("timestamp", ts), p("fromTimeZone", str), p("toTimeZone", str)))
}

// patternToken is one element of a date-time pattern: a run of one
// pattern letter, or literal text.
type patternToken struct {
	letter  byte
	count   int
	literal string
}

// compilePattern splits a java.time (DateTimeFormatter) pattern into
// tokens: runs of letters, text in single quotes (” is a quote), and any
// other character as itself.
func compilePattern(pattern string) ([]patternToken, error) {
	var toks []patternToken
	for i := 0; i < len(pattern); {
		c := pattern[i]
		switch {
		case c == '\'':
			if i+1 < len(pattern) && pattern[i+1] == '\'' {
				toks = append(toks, patternToken{literal: "'"})
				i += 2
				continue
			}
			var b strings.Builder
			j := i + 1
			for ; j < len(pattern); j++ {
				if pattern[j] == '\'' {
					if j+1 < len(pattern) && pattern[j+1] == '\'' {
						b.WriteByte('\'')
						j++
						continue
					}
					break
				}
				b.WriteByte(pattern[j])
			}
			if j >= len(pattern) {
				return nil, fmt.Errorf("functions: invalid date-time pattern %q: unterminated quote", pattern)
			}
			toks = append(toks, patternToken{literal: b.String()})
			i = j + 1
		case (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'):
			j := i
			for j < len(pattern) && pattern[j] == c {
				j++
			}
			if !strings.ContainsRune("yuMLdDHhkKmsSaEzZXxV", rune(c)) {
				return nil, fmt.Errorf("functions: invalid date-time pattern %q: unknown pattern letter '%c'", pattern, c)
			}
			toks = append(toks, patternToken{letter: c, count: j - i})
			i = j
		default:
			toks = append(toks, patternToken{literal: string(c)})
			i++
		}
	}
	return toks, nil
}

func zpad(n, width int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + zpad(-n, width)
	}
	for len(s) < width {
		s = "0" + s
	}
	return s
}

func formatOffset(off int, colon, zForZero bool) string {
	if off == 0 && zForZero {
		return "Z"
	}
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	h, m := off/3600, off/60%60
	if colon {
		return fmt.Sprintf("%s%02d:%02d", sign, h, m)
	}
	return fmt.Sprintf("%s%02d%02d", sign, h, m)
}

// formatTime formats t with a java.time pattern.
func formatTime(t time.Time, pattern string) (string, error) {
	toks, err := compilePattern(pattern)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, tk := range toks {
		if tk.letter == 0 {
			b.WriteString(tk.literal)
			continue
		}
		n := tk.count
		switch tk.letter {
		case 'y', 'u':
			if n == 2 {
				b.WriteString(zpad(t.Year()%100, 2))
			} else {
				b.WriteString(zpad(t.Year(), n))
			}
		case 'M', 'L':
			switch {
			case n >= 4:
				b.WriteString(t.Month().String())
			case n == 3:
				b.WriteString(t.Month().String()[:3])
			default:
				b.WriteString(zpad(int(t.Month()), n))
			}
		case 'd':
			b.WriteString(zpad(t.Day(), n))
		case 'D':
			b.WriteString(zpad(t.YearDay(), n))
		case 'H':
			b.WriteString(zpad(t.Hour(), n))
		case 'k':
			h := t.Hour()
			if h == 0 {
				h = 24
			}
			b.WriteString(zpad(h, n))
		case 'K':
			b.WriteString(zpad(t.Hour()%12, n))
		case 'h':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			b.WriteString(zpad(h, n))
		case 'm':
			b.WriteString(zpad(t.Minute(), n))
		case 's':
			b.WriteString(zpad(t.Second(), n))
		case 'S':
			frac := zpad(t.Nanosecond(), 9)
			for len(frac) < n {
				frac += "0"
			}
			b.WriteString(frac[:n])
		case 'a':
			if t.Hour() < 12 {
				b.WriteString("AM")
			} else {
				b.WriteString("PM")
			}
		case 'E':
			if n >= 4 {
				b.WriteString(t.Weekday().String())
			} else {
				b.WriteString(t.Weekday().String()[:3])
			}
		case 'z':
			if n >= 4 {
				b.WriteString(t.Location().String())
			} else {
				name, _ := t.Zone()
				b.WriteString(name)
			}
		case 'V':
			b.WriteString(t.Location().String())
		case 'Z':
			_, off := t.Zone()
			b.WriteString(formatOffset(off, n >= 5, n >= 5))
		case 'X', 'x':
			_, off := t.Zone()
			s := formatOffset(off, n >= 3, tk.letter == 'X')
			if n == 1 && s != "Z" && off%3600 == 0 {
				s = s[:3]
			}
			b.WriteString(s)
		}
	}
	return b.String(), nil
}

// parseTime parses s with a java.time pattern; fields the pattern lacks
// default to 1970-01-01T00:00:00, and the zone to loc unless s names one.
func parseTime(s, pattern string, loc *time.Location, z *zones) (time.Time, error) {
	toks, err := compilePattern(pattern)
	if err != nil {
		return time.Time{}, err
	}
	bad := func(why string) (time.Time, error) {
		return time.Time{}, fmt.Errorf("functions: cannot parse %q with pattern %q: %s", s, pattern, why)
	}
	year, month, day, hour, minute, sec, nanos := 1970, 1, 1, 0, 0, 0, 0
	yday := 0
	pm, hasAMPM, hour12 := false, false, false
	pos := 0
	num := func(tk patternToken, next *patternToken) (int, bool) {
		width := 0
		if tk.count > 1 || (next != nil && next.letter != 0) {
			width = tk.count
		}
		start, neg := pos, false
		if width == 0 && pos < len(s) && (s[pos] == '-' || s[pos] == '+') && (tk.letter == 'y' || tk.letter == 'u') {
			neg = s[pos] == '-'
			pos++
			start = pos
		}
		for pos < len(s) && s[pos] >= '0' && s[pos] <= '9' && (width == 0 || pos-start < width || (tk.letter == 'y' && tk.count == 4 && (next == nil || next.letter == 0))) {
			pos++
		}
		if pos == start || (width > 0 && pos-start < width) {
			return 0, false
		}
		n := 0
		for _, c := range s[start:pos] {
			n = n*10 + int(c-'0')
			if n > 1e9 {
				return 0, false
			}
		}
		if neg {
			n = -n
		}
		return n, true
	}
	for i, tk := range toks {
		var next *patternToken
		if i+1 < len(toks) {
			next = &toks[i+1]
		}
		if tk.letter == 0 {
			// ksqlDB parses case-insensitively: 't' matches 'T'.
			if len(s)-pos < len(tk.literal) || !strings.EqualFold(s[pos:pos+len(tk.literal)], tk.literal) {
				return bad(fmt.Sprintf("expected %q at position %d", tk.literal, pos))
			}
			pos += len(tk.literal)
			continue
		}
		switch tk.letter {
		case 'M', 'L':
			if tk.count >= 3 {
				found := false
				for m := time.January; m <= time.December; m++ {
					name := m.String()
					if tk.count == 3 {
						name = name[:3]
					}
					if len(s)-pos >= len(name) && strings.EqualFold(s[pos:pos+len(name)], name) {
						month, pos, found = int(m), pos+len(name), true
						break
					}
				}
				if !found {
					return bad(fmt.Sprintf("no month name at position %d", pos))
				}
				continue
			}
		case 'E':
			found := false
			for d := time.Sunday; d <= time.Saturday; d++ {
				name := d.String()
				if tk.count < 4 {
					name = name[:3]
				}
				if len(s)-pos >= len(name) && strings.EqualFold(s[pos:pos+len(name)], name) {
					pos, found = pos+len(name), true
					break
				}
			}
			if !found {
				return bad(fmt.Sprintf("no day name at position %d", pos))
			}
			continue
		case 'a':
			if len(s)-pos < 2 {
				return bad("no AM/PM marker")
			}
			switch strings.ToUpper(s[pos : pos+2]) {
			case "AM":
			case "PM":
				pm = true
			default:
				return bad("no AM/PM marker")
			}
			hasAMPM = true
			pos += 2
			continue
		case 'z', 'V':
			j := pos
			for j < len(s) && (s[j] == '/' || s[j] == '_' || s[j] == '+' || s[j] == '-' || s[j] == ':' || (s[j] >= '0' && s[j] <= '9') || (s[j]|0x20 >= 'a' && s[j]|0x20 <= 'z')) {
				j++
			}
			l, err := z.get(s[pos:j])
			if err != nil {
				return bad(err.Error())
			}
			loc, pos = l, j
			continue
		case 'X', 'x', 'Z':
			if tk.letter != 'x' && pos < len(s) && (s[pos] == 'Z' || s[pos] == 'z') {
				loc, pos = time.UTC, pos+1
				continue
			}
			j := pos
			for j < len(s) && (s[j] == '+' || s[j] == '-' || s[j] == ':' || (s[j] >= '0' && s[j] <= '9')) && (j == pos || (s[j] != '+' && s[j] != '-')) {
				j++
			}
			off, ok := parseOffset(s[pos:j])
			if !ok {
				return bad(fmt.Sprintf("no zone offset at position %d", pos))
			}
			loc, pos = time.FixedZone(s[pos:j], off), j
			continue
		case 'S':
			start := pos
			for pos < len(s) && s[pos] >= '0' && s[pos] <= '9' && pos-start < tk.count {
				pos++
			}
			if pos-start != tk.count {
				return bad(fmt.Sprintf("expected %d fraction digits at position %d", tk.count, start))
			}
			frac := s[start:pos]
			if len(frac) > 9 {
				frac = frac[:9]
			}
			frac += strings.Repeat("0", 9-len(frac))
			fmt.Sscanf(frac, "%d", &nanos)
			continue
		}
		n, ok := num(tk, next)
		if !ok {
			return bad(fmt.Sprintf("expected a number at position %d", pos))
		}
		switch tk.letter {
		case 'y', 'u':
			if tk.count == 2 {
				n += 2000
			}
			year = n
		case 'M', 'L':
			month = n
		case 'd':
			day = n
		case 'D':
			yday = n
		case 'H', 'k':
			hour = n % 24
		case 'h', 'K':
			hour, hour12 = n%12, true
		case 'm':
			minute = n
		case 's':
			sec = n
		}
	}
	if pos != len(s) {
		return bad(fmt.Sprintf("unparsed text at position %d", pos))
	}
	if hasAMPM && pm && (hour12 || hour < 12) {
		hour += 12
	}
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 59 {
		return bad("a field is out of range")
	}
	if yday > 0 {
		if yday > 366 {
			return bad("day of year out of range")
		}
		return time.Date(year, 1, yday, hour, minute, sec, nanos, loc), nil
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nanos, loc)
	if t.Day() != day {
		return bad("no such day in that month")
	}
	return t, nil
}
