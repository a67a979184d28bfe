package functions

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/sluicedata/sluice/internal/types"
)

// parseURL parses a URL as Java's URI does for ksqlDB's URL functions.
func parseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("functions: invalid URL %q: %w", s, err)
	}
	return u, nil
}

// urlPart returns a URL function that extracts one part, NULL when absent.
func urlPart(f func(u *url.URL) (string, bool)) func([]types.Value) (types.Value, error) {
	return func(a []types.Value) (types.Value, error) {
		u, err := parseURL(a[0].Str())
		if err != nil {
			return types.Null(), err
		}
		s, ok := f(u)
		if !ok {
			return types.Null(), nil
		}
		return types.Str(s), nil
	}
}

// javaURLEncode encodes s as Java's URLEncoder with UTF-8: letters, digits
// and . - * _ stay, a space becomes +, other bytes %XX.
func javaURLEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == '*', c == '_':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func registerURL(r *Registry) {
	r.add("URL_ENCODE_PARAM", "URL", "Encodes a string for use as a URL query parameter, as application/x-www-form-urlencoded.",
		fixed(str, strFn(javaURLEncode), p("input", str)))
	r.add("URL_DECODE_PARAM", "URL", "Decodes an application/x-www-form-urlencoded string.",
		fixed(str, func(a []types.Value) (types.Value, error) {
			s, err := url.QueryUnescape(a[0].Str())
			if err != nil {
				return types.Null(), fmt.Errorf("functions: cannot decode %q: %w", a[0].Str(), err)
			}
			return types.Str(s), nil
		}, p("input", str)))
	r.add("URL_EXTRACT_FRAGMENT", "URL", "Returns the decoded fragment of a URL, NULL if it has none.",
		fixed(str, urlPart(func(u *url.URL) (string, bool) { return u.Fragment, u.Fragment != "" || u.RawFragment != "" }), p("input", str)))
	r.add("URL_EXTRACT_HOST", "URL", "Returns the host of a URL, NULL if it has none.",
		fixed(str, urlPart(func(u *url.URL) (string, bool) { return u.Hostname(), u.Hostname() != "" }), p("input", str)))
	r.add("URL_EXTRACT_PATH", "URL", "Returns the decoded path of a URL.",
		fixed(str, urlPart(func(u *url.URL) (string, bool) { return u.Path, u.Opaque == "" }), p("input", str)))
	r.add("URL_EXTRACT_PROTOCOL", "URL", "Returns the protocol (scheme) of a URL, NULL if it has none.",
		fixed(str, urlPart(func(u *url.URL) (string, bool) { return u.Scheme, u.Scheme != "" }), p("input", str)))
	r.add("URL_EXTRACT_QUERY", "URL", "Returns the decoded query of a URL, NULL if it has none.",
		fixed(str, urlPart(func(u *url.URL) (string, bool) {
			if u.RawQuery == "" && !u.ForceQuery {
				return "", false
			}
			q, err := url.PathUnescape(u.RawQuery)
			if err != nil {
				q = u.RawQuery
			}
			return q, true
		}), p("input", str)))
	r.add("URL_EXTRACT_PORT", "URL", "Returns the port of a URL, NULL if it has none.",
		fixed(integ, func(a []types.Value) (types.Value, error) {
			u, err := parseURL(a[0].Str())
			if err != nil {
				return types.Null(), err
			}
			port, err := strconv.Atoi(u.Port())
			if err != nil {
				return types.Null(), nil
			}
			return types.Int(int32(port)), nil
		}, p("input", str)))
	r.add("URL_EXTRACT_PARAMETER", "URL", "Returns the decoded value of the first occurrence of a query parameter, NULL if absent or valueless.",
		fixed(str, func(a []types.Value) (types.Value, error) {
			u, err := parseURL(a[0].Str())
			if err != nil {
				return types.Null(), err
			}
			for _, kv := range strings.Split(u.RawQuery, "&") {
				k, v, ok := strings.Cut(kv, "=")
				if dk, err := url.QueryUnescape(k); err != nil || dk != a[1].Str() {
					continue
				}
				if !ok {
					return types.Null(), nil
				}
				dv, err := url.QueryUnescape(v)
				if err != nil {
					return types.Null(), fmt.Errorf("functions: cannot decode %q: %w", v, err)
				}
				return types.Str(dv), nil
			}
			return types.Null(), nil
		}, p("input", str), p("parameter", str)))
}
