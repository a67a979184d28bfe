package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

type role int

const (
	roleIngest role = iota
	roleAdmin
)

// credSet holds a role's credentials as SHA-256 digests, so that every
// comparison is constant-time and of equal length whatever is presented.
type credSet struct {
	open   bool
	tokens [][32]byte
	users  [][32]byte // digest of user "\x00" password
}

func newCredSet(c Credentials) credSet {
	cs := credSet{open: c.empty()}
	for _, t := range c.Tokens {
		cs.tokens = append(cs.tokens, sha256.Sum256([]byte(t)))
	}
	for u, p := range c.Users {
		cs.users = append(cs.users, userDigest(u, p))
	}
	return cs
}

func userDigest(user, password string) [32]byte {
	return sha256.Sum256([]byte(user + "\x00" + password))
}

// match compares d with every credential of the set, without stopping
// early, so that timing tells nothing about which one matched.
func match(d [32]byte, set [][32]byte) bool {
	found := 0
	for i := range set {
		found |= subtle.ConstantTimeCompare(d[:], set[i][:])
	}
	return found == 1
}

type authenticator struct{ ingest, admin credSet }

func newAuthenticator(ingest, admin Credentials) authenticator {
	return authenticator{ingest: newCredSet(ingest), admin: newCredSet(admin)}
}

// check returns 0 when the request may act in role, else 401 (no or
// unknown credentials) or 403 (valid, but only for ingest). queryToken is
// a bearer token from the URL, accepted where the caller allows it.
func (a *authenticator) check(r *http.Request, want role, queryToken string) int {
	if want == roleIngest && a.ingest.open || want == roleAdmin && a.admin.open {
		return 0
	}
	var d [32]byte
	var bearer bool
	h := r.Header.Get("Authorization")
	switch {
	case len(h) > 7 && strings.EqualFold(h[:7], "bearer "):
		d, bearer = sha256.Sum256([]byte(strings.TrimSpace(h[7:]))), true
	case h != "":
		user, pass, ok := r.BasicAuth()
		if !ok {
			return http.StatusUnauthorized
		}
		d = userDigest(user, pass)
	case queryToken != "":
		d, bearer = sha256.Sum256([]byte(queryToken)), true
	default:
		return http.StatusUnauthorized
	}
	isAdmin, isIngest := false, false
	if bearer {
		isAdmin, isIngest = match(d, a.admin.tokens), match(d, a.ingest.tokens)
	} else {
		isAdmin, isIngest = match(d, a.admin.users), match(d, a.ingest.users)
	}
	switch {
	case isAdmin:
		return 0
	case want == roleIngest && isIngest:
		return 0
	case want == roleAdmin && isIngest:
		return http.StatusForbidden
	default:
		return http.StatusUnauthorized
	}
}

// authorize answers 401 or 403 and returns false unless the request may
// act in role; public skips the check.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, want role, public bool, queryToken string, ep endpoint) bool {
	if public {
		return true
	}
	status := s.auth.check(r, want, queryToken)
	if status == 0 {
		return true
	}
	if ep == epIngest || ep == epPixel {
		s.m.rejected[rejectUnauthorized].Inc()
	}
	if status == http.StatusForbidden {
		writeAPIError(w, &apiError{status: status, code: codeForbidden,
			msg: "these credentials may ingest but not administer: use an admin token or user"})
		return false
	}
	w.Header().Add("WWW-Authenticate", `Bearer realm="sluice"`)
	w.Header().Add("WWW-Authenticate", `Basic realm="sluice", charset="UTF-8"`)
	what := "an ingest or admin"
	if want == roleAdmin {
		what = "an admin"
	}
	writeAPIError(w, &apiError{status: status, code: codeUnauthenticated,
		msg: "missing or wrong credentials: send " + what + " credential as Authorization: Bearer <token> or with HTTP basic auth"})
	return false
}
