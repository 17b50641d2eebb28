package server

import "github.com/gin-gonic/gin"

// adminRoutes registers the administration of agencies, areas, users and the
// audit log, as pages and as JSON under /api/v1/admin.
func (s *Server) adminRoutes(admin, api *gin.RouterGroup) {
	admin.GET("", s.page(s.adminHome))

	admin.GET("/agencies", s.page(s.adminAgencies))
	admin.POST("/agencies", s.page(s.adminAgencyCreate))
	admin.GET("/agencies/:code", s.page(s.adminAgency))
	admin.POST("/agencies/:code", s.page(s.adminAgencyUpdate))
	admin.POST("/agencies/:code/dissolve", s.page(s.adminAgencyDissolve))
	admin.GET("/merge", s.page(s.adminMerge))
	admin.POST("/merge", s.page(s.adminMergeSubmit))

	admin.GET("/areas", s.page(s.adminAreas))
	admin.POST("/areas", s.page(s.adminAreaCreate))
	admin.POST("/areas/:code", s.page(s.adminAreaUpdate))

	admin.GET("/users", s.page(s.adminUsers))
	admin.POST("/users", s.page(s.adminUserCreate))
	admin.GET("/users/:username", s.page(s.adminUser))
	admin.POST("/users/:username", s.page(s.adminUserUpdate))
	admin.POST("/users/:username/password", s.page(s.adminUserPassword))
	admin.POST("/users/:username/tokens", s.page(s.adminTokenCreate))
	admin.POST("/tokens/:id/revoke", s.page(s.adminTokenRevoke))

	admin.GET("/audit", s.page(s.adminAudit))

	api.GET("/agencies", s.api(s.apiAdminAgencies))
	api.POST("/agencies", s.api(s.apiAdminAgencyCreate))
	api.GET("/agencies/:code", s.api(s.apiAdminAgency))
	api.PUT("/agencies/:code", s.api(s.apiAdminAgencyUpdate))
	api.POST("/agencies/:code/dissolve", s.api(s.apiAdminAgencyDissolve))
	api.POST("/merges", s.api(s.apiAdminMerge))

	api.GET("/areas", s.api(s.apiAdminAreas))
	api.POST("/areas", s.api(s.apiAdminAreaCreate))
	api.PUT("/areas/:code", s.api(s.apiAdminAreaUpdate))

	api.GET("/users", s.api(s.apiAdminUsers))
	api.POST("/users", s.api(s.apiAdminUserCreate))
	api.GET("/users/:username", s.api(s.apiAdminUser))
	api.PUT("/users/:username", s.api(s.apiAdminUserUpdate))
	api.POST("/users/:username/password", s.api(s.apiAdminUserPassword))
	api.POST("/users/:username/tokens", s.api(s.apiAdminTokenCreate))
	api.GET("/tokens", s.api(s.apiAdminTokens))
	api.DELETE("/tokens/:id", s.api(s.apiAdminTokenRevoke))

	api.GET("/audit", s.api(s.apiAdminAudit))
}
