package server

import (
	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// routes registers every route of the service, grouped by who may call it.
// Every request has first passed the global chain of server.go (the edge,
// recovery, logs, headers, gzip, language, body limit, rate limits,
// authentication, forced password change); each line names what it adds:
// the roles it requires (requirePage answers a page or the login redirect,
// requireAPI a JSON error), checkCSRF (the token of a page's form; GET
// passes) and exportSlot (the exports running at once). The handlers stay
// in the files of their features.
func (s *Server) routes(r *gin.Engine) {
	var (
		csrf = s.checkCSRF
		// Everyone who logs in: agency staff (their agencies), inspectors
		// and administrators (every agency).
		staffPage = s.requirePage(survey.RoleStaff, survey.RoleInspector, survey.RoleAdmin)
		staffAPI  = s.requireAPI(survey.RoleStaff, survey.RoleInspector, survey.RoleAdmin)
		entryPage = s.requirePage(survey.RoleStaff, survey.RoleAdmin) // inspectors only read
		adminPage = s.requirePage(survey.RoleAdmin)
		adminAPI  = s.requireAPI(survey.RoleAdmin)
		issuerAPI = s.requireAPI(survey.RoleIntegration, survey.RoleAdmin)
		// Inspectors and administrators publish results (publications.go).
		publishPage = s.requirePage(survey.RoleInspector, survey.RoleAdmin)
		publishAPI  = s.requireAPI(survey.RoleInspector, survey.RoleAdmin)
		// The CCHC index's appraised points: inspectors and administrators.
		inspectorPage = s.requirePage(survey.RoleInspector, survey.RoleAdmin)
		inspectorAPI  = s.requireAPI(survey.RoleInspector, survey.RoleAdmin)
	)

	// The edge: probes, metrics (or the metrics token: metrics.go) and static files.
	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", adminPage, s.serveMetrics)
	r.GET("/static/*file", serveStatic)

	// Citizens and other systems, no login: the survey, invitations, login, the public API.
	r.GET("/", s.page(s.startPage))
	r.GET("/survey", s.page(s.chooseSurvey))
	r.GET("/s/:agency/:area", s.page(s.surveyForm))
	r.POST("/s/:agency/:area", s.page(s.surveySubmit))
	r.GET("/s/:agency/:area/thanks", s.page(s.thanksPage))
	r.GET("/v/:token", s.page(s.invitationForm))
	r.POST("/v/:token", s.page(s.invitationSubmit))
	r.GET("/r/:code", s.page(s.shortLink))
	r.GET("/R/:code", s.page(s.shortLink)) // the QR code carries /R/
	r.GET("/r/:code/qr.svg", s.qrSVG)
	r.GET("/r/:code/qr.png", s.qrPNG)
	r.GET("/r/:code/slip", s.page(s.invitationSlip))
	r.GET("/login", s.page(s.loginPage))
	r.POST("/login", csrf, s.page(s.loginSubmit))
	r.POST("/logout", csrf, s.page(s.logout))
	r.GET("/api/v1/areas", s.api(s.apiAreas))
	r.GET("/api/v1/agencies", s.api(s.apiAgencies))
	r.GET("/api/v1/forms/:agency/:area", s.api(s.apiForm))
	r.POST("/api/v1/responses", s.api(s.apiSubmit)) // a kiosk's questionnaires too, with its credential
	r.POST("/api/v1/auth/token", s.api(s.apiToken))
	r.GET("/api/v1/openapi.json", serveOpenAPI)
	// Published results (publications*.go): frozen snapshots, public.
	r.GET("/ket-qua", s.page(s.resultsPage))
	r.GET("/api/v1/publications", s.api(s.apiPublications))
	r.GET("/api/v1/publications/:period", s.api(s.apiPublication))
	r.GET("/api/v1/publications/:period/snapshot", s.api(s.apiPublicationSnapshot))
	r.GET("/ket-qua/cchc/:year", s.page(s.cchcResultsPage)) // published CCHC years (cchc_publish.go)
	r.GET("/api/v1/cchc/:year/published", s.api(s.apiCCHCPublished))
	r.GET("/api/v1/cchc/:year/published/snapshot", s.api(s.apiCCHCPublishedSnapshot))

	// The kiosk's tablet: its page and pairing, then its credential (kiosk_*.go).
	r.GET("/kiosk", s.page(s.kioskHome))
	r.POST("/kiosk/pair", csrf, s.page(s.kioskPair))
	r.POST("/api/v1/kiosk/pair", s.api(s.apiKioskPair))
	r.GET("/api/v1/kiosk/config", s.api(s.apiKioskConfig))
	r.POST("/api/v1/kiosk/ratings", s.api(s.apiKioskRating))

	// Integrating systems and administrators: verified invitations (invitations.go).
	r.POST("/api/v1/invitations", issuerAPI, s.api(s.apiInvitationCreate))
	r.POST("/api/v1/invitations/batch", issuerAPI, s.api(s.apiInvitationBatch))
	r.PUT("/api/v1/dossier-counts", issuerAPI, s.api(s.apiDossierCounts)) // coverage of the invitations (dossier_counts_api.go)

	// Logged-in staff, inspectors and administrators: their password, reports, comments, exports, entry.
	r.GET("/account/password", staffPage, csrf, s.page(s.passwordPage))
	r.POST("/account/password", staffPage, csrf, s.page(s.passwordSubmit))
	r.GET("/dashboard", staffPage, s.page(s.dashboard))
	r.GET("/rankings", staffPage, s.page(s.rankingsPage))
	r.GET("/comments", staffPage, s.page(s.commentsPage))
	r.POST("/comments/:agency/:month/:page/:id/handled", staffPage, csrf, s.page(s.commentHandledSubmit))
	r.GET("/attention", staffPage, s.page(s.attentionPage)) // attention.go
	r.POST("/attention/:id", staffPage, csrf, s.page(s.attentionSubmit))
	r.GET("/entry", entryPage, csrf, s.page(s.entryList))
	r.GET("/entry/:agency/:area", entryPage, csrf, s.page(s.entryForm))
	r.POST("/entry/:agency/:area", entryPage, csrf, s.page(s.entrySubmit))
	r.GET("/entry/:agency/:area/saved", entryPage, csrf, s.page(s.entrySaved))
	r.GET("/api/v1/reports/agencies/:agency", staffAPI, s.api(s.apiAgencyReport))
	r.GET("/api/v1/reports/agencies/:agency/ratings", staffAPI, s.api(s.apiAgencyRatings))
	r.GET("/api/v1/rankings", staffAPI, s.api(s.apiRankings))
	r.GET("/api/v1/comments", staffAPI, s.api(s.apiComments))
	r.POST("/api/v1/comments/:id/handled", staffAPI, s.api(s.apiCommentHandled))
	r.GET("/api/v1/attention", staffAPI, s.api(s.apiAttention))
	r.POST("/api/v1/attention/:id", staffAPI, s.api(s.apiAttentionUpdate))
	r.GET("/api/v1/exports/aggregates", staffAPI, s.exportSlot, s.api(s.exportAggregates))
	r.GET("/api/v1/exports/responses", staffAPI, s.exportSlot, s.api(s.exportResponses))

	// Inspectors and administrators: publishing a period's results.
	r.GET("/publications", publishPage, csrf, s.page(s.publicationsPage))
	r.POST("/publications", publishPage, csrf, s.page(s.publicationsSubmit))
	r.POST("/api/v1/publications", publishAPI, s.api(s.apiPublish))
	// The CCHC composite index (cchc_*.go): results for everyone who logs in,
	// appraised points for inspectors and administrators.
	r.GET("/cchc", staffPage, s.page(s.cchcPage))
	r.GET("/cchc/:year/points", inspectorPage, csrf, s.page(s.cchcPointsPage))
	r.POST("/cchc/:year/points", inspectorPage, csrf, s.page(s.cchcPointsSubmit))
	r.POST("/cchc/:year/points/csv", inspectorPage, csrf, s.page(s.cchcPointsUpload))
	r.GET("/api/v1/cchc/:year", staffAPI, s.api(s.apiCCHC))
	r.GET("/api/v1/cchc/:year/export", staffAPI, s.api(s.apiCCHCExport))
	r.GET("/api/v1/cchc/:year/points", inspectorAPI, s.api(s.apiCCHCPoints))
	r.PUT("/api/v1/cchc/:year/points", inspectorAPI, s.api(s.apiCCHCPointsPut))
	r.POST("/api/v1/cchc/:year/points/csv", inspectorAPI, s.api(s.apiCCHCPointsCSV))
	r.POST("/cchc/:year/publish", inspectorPage, csrf, s.page(s.cchcPublishSubmit))
	r.POST("/api/v1/cchc/:year/publish", inspectorAPI, s.api(s.apiCCHCPublish))

	// Administrators: agencies, areas, users, tokens, forms, kiosks, invitation keys, the audit log.
	r.GET("/admin", adminPage, csrf, s.page(s.adminHome))
	r.GET("/admin/agencies", adminPage, csrf, s.page(s.adminAgencies))
	r.POST("/admin/agencies", adminPage, csrf, s.page(s.adminAgencyCreate))
	r.GET("/admin/agencies/:code", adminPage, csrf, s.page(s.adminAgency))
	r.POST("/admin/agencies/:code", adminPage, csrf, s.page(s.adminAgencyUpdate))
	r.POST("/admin/agencies/:code/dissolve", adminPage, csrf, s.page(s.adminAgencyDissolve))
	r.POST("/admin/agencies/:code/notifications", adminPage, csrf, s.page(s.adminNotifySave))      // notify_pages.go
	r.POST("/admin/agencies/:code/notifications/test", adminPage, csrf, s.page(s.adminNotifyTest)) // notify_pages.go
	r.GET("/admin/merge", adminPage, csrf, s.page(s.adminMerge))
	r.POST("/admin/merge", adminPage, csrf, s.page(s.adminMergeSubmit))
	r.GET("/admin/areas", adminPage, csrf, s.page(s.adminAreas))
	r.POST("/admin/areas", adminPage, csrf, s.page(s.adminAreaCreate))
	r.POST("/admin/areas/:code", adminPage, csrf, s.page(s.adminAreaUpdate))
	r.GET("/admin/users", adminPage, csrf, s.page(s.adminUsers))
	r.POST("/admin/users", adminPage, csrf, s.page(s.adminUserCreate))
	r.GET("/admin/users/:username", adminPage, csrf, s.page(s.adminUser))
	r.POST("/admin/users/:username", adminPage, csrf, s.page(s.adminUserUpdate))
	r.POST("/admin/users/:username/password", adminPage, csrf, s.page(s.adminUserPassword))
	r.POST("/admin/users/:username/tokens", adminPage, csrf, s.page(s.adminTokenCreate))
	r.POST("/admin/tokens/:id/revoke", adminPage, csrf, s.page(s.adminTokenRevoke))
	r.GET("/admin/audit", adminPage, csrf, s.page(s.adminAudit))
	r.GET("/admin/forms", adminPage, csrf, s.page(s.adminFormsPage))
	r.GET("/admin/forms/:id/:version", adminPage, csrf, s.page(s.adminFormPage))
	r.POST("/admin/forms/:id/:version", adminPage, csrf, s.page(s.adminFormSave))
	r.POST("/admin/forms/:id/:version/draft", adminPage, csrf, s.page(s.adminFormDraft))
	r.POST("/admin/forms/:id/:version/publish", adminPage, csrf, s.page(s.adminFormPublish))
	r.GET("/admin/assignments", adminPage, csrf, s.page(s.adminAssignmentsPage))
	r.POST("/admin/assignments", adminPage, csrf, s.page(s.adminAssignmentsSave))
	r.GET("/admin/kiosks", adminPage, csrf, s.page(s.adminKiosks))
	r.POST("/admin/kiosks", adminPage, csrf, s.page(s.adminKioskCreate))
	r.GET("/admin/kiosks/:id", adminPage, csrf, s.page(s.adminKiosk))
	r.POST("/admin/kiosks/:id", adminPage, csrf, s.page(s.adminKioskUpdate))
	r.POST("/admin/kiosks/:id/code", adminPage, csrf, s.page(s.adminKioskCode))
	r.POST("/admin/kiosks/:id/unpair", adminPage, csrf, s.page(s.adminKioskUnpair))
	r.POST("/admin/kiosks/:id/revoke", adminPage, csrf, s.page(s.adminKioskRevoke))
	r.GET("/admin/invitations", adminPage, csrf, s.page(s.adminInvitations))
	r.POST("/admin/invitations", adminPage, csrf, s.page(s.adminInvitationIssue))
	r.POST("/admin/invitation-keys", adminPage, csrf, s.page(s.adminKeyRotate))
	r.POST("/admin/invitation-keys/:id/retire", adminPage, csrf, s.page(s.adminKeyRetire))
	r.GET("/api/v1/admin/agencies", adminAPI, s.api(s.apiAdminAgencies))
	r.POST("/api/v1/admin/agencies", adminAPI, s.api(s.apiAdminAgencyCreate))
	r.GET("/api/v1/admin/agencies/:code", adminAPI, s.api(s.apiAdminAgency))
	r.PUT("/api/v1/admin/agencies/:code", adminAPI, s.api(s.apiAdminAgencyUpdate))
	r.POST("/api/v1/admin/agencies/:code/dissolve", adminAPI, s.api(s.apiAdminAgencyDissolve))
	r.GET("/api/v1/admin/agencies/:code/notifications", adminAPI, s.api(s.apiNotifyGet)) // notify_api.go
	r.PUT("/api/v1/admin/agencies/:code/notifications", adminAPI, s.api(s.apiNotifyPut))
	r.POST("/api/v1/admin/agencies/:code/notifications/test", adminAPI, s.api(s.apiNotifyTest))
	r.GET("/api/v1/admin/agencies/:code/notifications/deliveries", adminAPI, s.api(s.apiNotifyDeliveries))
	r.POST("/api/v1/admin/digests", adminAPI, s.api(s.apiDigestsSend))
	r.POST("/api/v1/admin/merges", adminAPI, s.api(s.apiAdminMerge))
	r.GET("/api/v1/admin/areas", adminAPI, s.api(s.apiAdminAreas))
	r.POST("/api/v1/admin/areas", adminAPI, s.api(s.apiAdminAreaCreate))
	r.PUT("/api/v1/admin/areas/:code", adminAPI, s.api(s.apiAdminAreaUpdate))
	r.GET("/api/v1/admin/users", adminAPI, s.api(s.apiAdminUsers))
	r.POST("/api/v1/admin/users", adminAPI, s.api(s.apiAdminUserCreate))
	r.GET("/api/v1/admin/users/:username", adminAPI, s.api(s.apiAdminUser))
	r.PUT("/api/v1/admin/users/:username", adminAPI, s.api(s.apiAdminUserUpdate))
	r.POST("/api/v1/admin/users/:username/password", adminAPI, s.api(s.apiAdminUserPassword))
	r.POST("/api/v1/admin/users/:username/tokens", adminAPI, s.api(s.apiAdminTokenCreate))
	r.GET("/api/v1/admin/tokens", adminAPI, s.api(s.apiAdminTokens))
	r.DELETE("/api/v1/admin/tokens/:id", adminAPI, s.api(s.apiAdminTokenRevoke))
	r.GET("/api/v1/admin/audit", adminAPI, s.api(s.apiAdminAudit))
	r.GET("/api/v1/admin/forms", adminAPI, s.api(s.apiAdminForms))
	r.GET("/api/v1/admin/forms/:id/:version", adminAPI, s.api(s.apiAdminForm))
	r.PUT("/api/v1/admin/forms/:id/:version", adminAPI, s.api(s.apiAdminFormSave))
	r.POST("/api/v1/admin/forms/:id/:version/drafts", adminAPI, s.api(s.apiAdminFormDraft))
	r.POST("/api/v1/admin/forms/:id/:version/publish", adminAPI, s.api(s.apiAdminFormPublish))
	r.GET("/api/v1/admin/assignments", adminAPI, s.api(s.apiAdminAssignments))
	r.PUT("/api/v1/admin/assignments/:area", adminAPI, s.api(s.apiAdminAssignmentSet))
	r.GET("/api/v1/admin/kiosks", adminAPI, s.api(s.apiAdminKiosks))
	r.POST("/api/v1/admin/kiosks", adminAPI, s.api(s.apiAdminKioskCreate))
	r.GET("/api/v1/admin/kiosks/:id", adminAPI, s.api(s.apiAdminKiosk))
	r.PUT("/api/v1/admin/kiosks/:id", adminAPI, s.api(s.apiAdminKioskUpdate))
	r.POST("/api/v1/admin/kiosks/:id/code", adminAPI, s.api(s.apiAdminKioskCode))
	r.POST("/api/v1/admin/kiosks/:id/unpair", adminAPI, s.api(s.apiAdminKioskUnpair))
	r.POST("/api/v1/admin/kiosks/:id/revoke", adminAPI, s.api(s.apiAdminKioskRevoke))
	r.GET("/api/v1/admin/invitation-keys", adminAPI, s.api(s.apiAdminKeys))
	r.POST("/api/v1/admin/invitation-keys", adminAPI, s.api(s.apiAdminKeyRotate))
	r.POST("/api/v1/admin/invitation-keys/:id/retire", adminAPI, s.api(s.apiAdminKeyRetire))
	r.GET("/admin/cchc", adminPage, csrf, s.page(s.adminCCHCPage))
	r.POST("/admin/cchc", adminPage, csrf, s.page(s.adminCCHCCreate))
	r.GET("/admin/cchc/:version", adminPage, csrf, s.page(s.adminCCHCVersionPage))
	r.POST("/admin/cchc/:version", adminPage, csrf, s.page(s.adminCCHCSave))
	r.POST("/admin/cchc/:version/publish", adminPage, csrf, s.page(s.adminCCHCPublish))
	r.POST("/admin/cchc/:version/draft", adminPage, csrf, s.page(s.adminCCHCDraft))
	r.GET("/api/v1/admin/cchc/frameworks", adminAPI, s.api(s.apiAdminCCHCFrameworks))
	r.POST("/api/v1/admin/cchc/frameworks", adminAPI, s.api(s.apiAdminCCHCCreate))
	r.GET("/api/v1/admin/cchc/frameworks/:version", adminAPI, s.api(s.apiAdminCCHCFramework))
	r.PUT("/api/v1/admin/cchc/frameworks/:version", adminAPI, s.api(s.apiAdminCCHCSave))
	r.POST("/api/v1/admin/cchc/frameworks/:version/drafts", adminAPI, s.api(s.apiAdminCCHCDraft))
	r.POST("/api/v1/admin/cchc/frameworks/:version/publish", adminAPI, s.api(s.apiAdminCCHCPublish))
}
