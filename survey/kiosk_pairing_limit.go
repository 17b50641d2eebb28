package survey

import "errors"

// A pairing code "ABCD-EFGH" has two halves. The first, its locator, names
// the pending code a try is aimed at, so each try can be counted against
// that code; the whole code is the secret the try must match. A code is
// checked at most PairingCodeMaxTries times: the try that uses the last one
// and is wrong burns the code, and the administrator must issue a new one.
// A guesser who finds a pending locator (1 in 31⁴ ≈ 923,521 per try) thus
// gets PairingCodeMaxTries guesses at the other half, about 1 in 185,000,
// however many clients and however long it tries.

// PairingCodeMaxTries is how many tries a pairing code answers: the right
// code within them pairs, the last wrong one burns the code.
const PairingCodeMaxTries = 5

// PairingLocatorLen is the number of leading characters of a pairing code
// that name it.
const PairingLocatorLen = PairingCodeLen / 2

// ErrPairingLocked: the code was burnt by too many wrong tries.
var ErrPairingLocked = errors.New("pairing code burnt by too many wrong tries")

// PairingLocator is the half of a normalized pairing code that names it.
func PairingLocator(code string) string {
	if len(code) < PairingLocatorLen {
		return code
	}
	return code[:PairingLocatorLen]
}
