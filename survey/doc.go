// Package survey holds the domain of Hài Lòng: procedure areas, agencies,
// questionnaires (forms), responses and the rules a response must satisfy.
//
// It knows nothing of HTTP; storage lives in the store sub-package. Values here
// are plain data so that questionnaires and agency lists stay configuration,
// never code.
package survey
