package export

// formulaStarts are the first characters that make a spreadsheet read a
// cell as a formula (or, for tab and carriage return, that some spreadsheets
// strip before they do): the OWASP list for CSV injection.
const formulaStarts = "=+-@\t\r"

// Neutralise makes a text cell safe to open in a spreadsheet: a value that
// starts with =, +, -, @, a tab or a carriage return gets a single quote in
// front, so Excel and LibreOffice show it as text instead of evaluating it
// (OWASP's advice on CSV injection). Other values are returned unchanged.
// It is for text cells only: numbers are written as numbers.
func Neutralise(s string) string {
	if s == "" {
		return s
	}
	for i := 0; i < len(formulaStarts); i++ {
		if s[0] == formulaStarts[i] {
			return "'" + s
		}
	}
	return s
}
