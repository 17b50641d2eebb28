package server

import (
	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// kioskRoutes registers kiosk mode: the tablet's page and pairing, its JSON
// API (quick ratings; questionnaires go to POST /api/v1/responses with the
// kiosk credential), the ratings report, and the administration of kiosks.
func (s *Server) kioskRoutes(r *gin.Engine, api, admin, adminAPI *gin.RouterGroup, readers []survey.Role) {
	r.GET("/kiosk", s.page(s.kioskHome))
	r.POST("/kiosk/pair", s.checkCSRF, s.page(s.kioskPair))

	api.POST("/kiosk/pair", s.api(s.apiKioskPair))
	api.GET("/kiosk/config", s.api(s.apiKioskConfig))
	api.POST("/kiosk/ratings", s.api(s.apiKioskRating))
	api.GET("/reports/agencies/:agency/ratings", s.requireAPI(readers...), s.api(s.apiAgencyRatings))

	admin.GET("/kiosks", s.page(s.adminKiosks))
	admin.POST("/kiosks", s.page(s.adminKioskCreate))
	admin.GET("/kiosks/:id", s.page(s.adminKiosk))
	admin.POST("/kiosks/:id", s.page(s.adminKioskUpdate))
	admin.POST("/kiosks/:id/code", s.page(s.adminKioskCode))
	admin.POST("/kiosks/:id/unpair", s.page(s.adminKioskUnpair))
	admin.POST("/kiosks/:id/revoke", s.page(s.adminKioskRevoke))

	adminAPI.GET("/kiosks", s.api(s.apiAdminKiosks))
	adminAPI.POST("/kiosks", s.api(s.apiAdminKioskCreate))
	adminAPI.GET("/kiosks/:id", s.api(s.apiAdminKiosk))
	adminAPI.PUT("/kiosks/:id", s.api(s.apiAdminKioskUpdate))
	adminAPI.POST("/kiosks/:id/code", s.api(s.apiAdminKioskCode))
	adminAPI.POST("/kiosks/:id/unpair", s.api(s.apiAdminKioskUnpair))
	adminAPI.POST("/kiosks/:id/revoke", s.api(s.apiAdminKioskRevoke))
}
