package survey

import (
	"fmt"
	"slices"
	"time"
)

// The seeded catalog of Tuyên Quang with its history: the province as it was
// before 2025 (LegacySeedAgencies and a few more units), then the 2025
// reorganisation, applied through the service's own records (Merge, Rename,
// Dissolve, a new agency) on their dates, exactly as an administrator would
// record them on /admin/merge and /admin/agencies. docs/catalog.md explains
// what is complete and what is a representative subset.
//
// Sources (consulted through the reference search, 2026-12). The titles of
// [S1]-[S5], [S7] and [S8] are read from their addresses (the search showed
// the text, not the heading); [S6]'s is its heading. Dates are the pages'.
//
//   [S1] "Quy định mới về cơ quan chuyên môn thuộc UBND cấp tỉnh, cấp huyện"
//        (HĐND tỉnh Đồng Nai), http://hdnd.dongnai.gov.vn/Pages/glp-quydinhmoivecoquanchuyenmonthu-glpnd-34299-glpnc-4-glpsite-1.html
//        Nghị định 45/2025/NĐ-CP of 28/2/2025: the departments every province
//        has, among them Sở Nội vụ, Sở Tài chính, Sở Nông nghiệp và Môi
//        trường, Sở Xây dựng; Sở Kế hoạch và Đầu tư, Sở Tài nguyên và Môi
//        trường, Sở Giao thông vận tải and Sở Lao động – TB&XH are not in
//        the list. Which department took over which is the (17)
//        statement of the national mergers, consistent with those names.
//   [S2] "Hợp nhất Tuyên Quang và Hà Giang mở ra cơ hội mới cho vùng trung du
//        miền núi phía Bắc" (Thanh Niên, 2025-06-30),
//        https://thanhnien.vn/hop-nhat-tuyen-quang-va-ha-giang-mo-ra-co-hoi-moi-cho-vung-trung-du-mien-nui-phia-bac-185250630115648751.htm
//        Tuyên Quang and Hà Giang merged; the new province has 124
//        commune-level units, 117 xã and 7 phường (no thị trấn, no district),
//        in operation from 1/7/2025.
//   [S3] "34 tỉnh thành dự kiến hoạt động ngay từ ngày 1/7/2025" (nghean24h.vn, 2025-06),
//        https://nghean24h.vn/34-tinh-thanh-du-kien-hoat-dong-ngay-tu-ngay-172025-a753727.html
//        Hà Giang and Tuyên Quang merged into a province named Tuyên Quang,
//        its centre in today's Tuyên Quang.
//   [S4] "Bản đồ phường Minh Xuân (Tuyên Quang) sau sáp nhập" (ever.vn),
//        https://ever.vn/ban-do-phuong-minh-xuan-tuyen-quang-sau-sap-nhap
//        Phường Minh Xuân (new), Nghị quyết 1684/NQ-UBTVQH15, in force
//        1/7/2025: the wards Ỷ La, Tân Hà, Phan Thiết, Minh Xuân, Tân Quang
//        and the communes Trung Môn, Kim Phú.
//   [S5] "Xã Sơn Dương, Tuyên Quang sau sáp nhập" (dialythuvi.com),
//        https://dialythuvi.com/tuyen-quang/xa-son-duong-tuyen-quang/
//        Xã Sơn Dương: thị trấn Sơn Dương and the communes Hợp Thành, Phúc
//        Ứng, Tú Thịnh, Nghị quyết 1684/NQ-UBTVQH15 of 16/6/2025.
//   [S6] "Thành lập Trung tâm Phục vụ hành chính công tỉnh Tuyên Quang" (Báo Tuyên Quang),
//        https://baotuyenquang.com.vn/xa-hoi/cai-cach-hanh-chinh/thanh-lap-trung-tam-phuc-vu-hanh-chinh-cong-tinh-tuyen-quang-149003.html
//        and "Đồng chí Chủ tịch UBND tỉnh kiểm tra công tác chuẩn bị khai trương
//        Trung tâm Phục vụ hành chính công tỉnh" (HĐND tỉnh Tuyên Quang),
//        https://hdndtuyenquang.gov.vn/tin-hoat-dong/tin-tuc-chung/dong-chi-chu-tich-ubnd-tinh-kiem-tra-cong-tac-chuan-bi-khai-truong-trung-tam-phuc-vu-hanh-chinh-cong-tinh-2972.html
//        The province centre: Quyết định 526/QĐ-UBND of 1/9/2021, receiving
//        dossiers from 1/11/2021.
//   [S7] "Từ 1/10, người dân Tuyên Quang có thể làm thủ tục hành chính ở bất
//        kỳ xã nào" (VietnamPlus, 2025-09-05),
//        https://www.vietnamplus.vn/tu-110-nguoi-dan-tuyen-quang-co-the-lam-thu-tuc-hanh-chinh-o-bat-ky-xa-nao-post1060070.vnp
//        All 124 commune-level Trung tâm Phục vụ hành chính công receive
//        dossiers; from 1/10/2025 regardless of the applicant's commune.
//   [S8] "Tuyên Quang sáp nhập nhiều ban quản lý, bổ nhiệm loạt cán bộ chủ
//        chốt" (Dân Việt, 2025-11-05),
//        https://trangtraiviet.danviet.vn/tuyen-quang-sap-nhap-nhieu-ban-quan-ly-bo-nhiem-loat-can-bo-chu-chot-d1376372.html
//        Sở Nội vụ and Sở Tài chính of the merged province at work.
//
// Not found in those pages, and therefore marked where used: the date of
// Tuyên Quang's own decisions on the merged departments (the seed uses
// 1/3/2025, when Nghị định 45/2025/NĐ-CP applied [S1]; assumed), and the 2025
// arrangement of xã Thượng Lâm and of thị trấn Na Hang.

// The dates of the reorganisation, midnight in Vietnam.
var (
	// DepartmentsMerged is when the seed merges the provincial departments
	// (assumed, see above).
	DepartmentsMerged = vnDay(2025, 3, 1)
	// TwoTierSince is when districts were abolished, communes merged and the
	// province merged with Hà Giang [S2][S4][S5].
	TwoTierSince = vnDay(2025, 7, 1)
)

func vnDay(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, zone).UTC() }

// seedStep is one recorded change of the seeded catalog.
type seedStep struct {
	at time.Time
	// One of: add a new agency; merge from into into; rename code; dissolve
	// code; reparent code (an edit of its parent, which is not dated).
	add      *Agency
	from     []string
	into     string
	rename   string
	name     Text
	dissolve string
	reparent string
	parent   string
}

// seedBefore are the units of the pre-2025 province that the seed holds
// besides LegacySeedAgencies: the province's service centre and the
// predecessors of xã Sơn Dương, so that its lineage is complete.
func seedBefore() []Agency {
	since := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	commune := []string{"dat-dai", "tu-phap", "lao-dong"}
	c := func(code, vi, en string) Agency {
		return Agency{Code: code, Name: Text{vi, en}, Level: LevelCommune, Parent: "son-duong", Areas: commune, Active: true, Since: since}
	}
	return []Agency{
		// [S6]: founded by QĐ 526/QĐ-UBND (1/9/2021), open from 1/11/2021;
		// it receives the dossiers of the province's departments. Whether
		// the merged province re-founded it on 1/7/2025 is not in the
		// sources: the seed keeps it as one unit.
		{Code: "ttpvhcc-tinh", Name: Text{"Trung tâm Phục vụ hành chính công tỉnh Tuyên Quang", "Tuyên Quang Provincial Public Administrative Service Centre"},
			Level: LevelProvinceBody, Active: true, Since: vnDay(2021, 11, 1), Areas: allSeedAreas()},
		// [S5]: the three communes merged with thị trấn Sơn Dương.
		c("x-hop-thanh", "UBND xã Hợp Thành", "Hợp Thành Commune People's Committee"),
		c("x-phuc-ung", "UBND xã Phúc Ứng", "Phúc Ứng Commune People's Committee"),
		c("x-tu-thinh", "UBND xã Tú Thịnh", "Tú Thịnh Commune People's Committee"),
	}
}

func allSeedAreas() []string {
	var out []string
	for _, a := range SeedAreas() {
		out = append(out, a.Code)
	}
	return out
}

// seedSteps are the 2025 changes in date order.
func seedSteps() []seedStep {
	d, t := DepartmentsMerged, TwoTierSince
	dept := func(code, vi, en string) *Agency {
		return &Agency{Code: code, Name: Text{vi, en}, Level: LevelDepartment, Active: true, Since: d}
	}
	// New communes serve the areas the districts served: the districts'
	// procedures passed to the two remaining tiers.
	district := []string{"dat-dai", "moi-truong", "xay-dung", "tu-phap", "kinh-doanh", "lao-dong"}
	commune := func(code, vi, en string) *Agency {
		return &Agency{Code: code, Name: Text{vi, en}, Level: LevelCommune, Active: true, Since: t, Areas: district}
	}
	centre := func(code, parent, vi, en string) *Agency {
		return &Agency{Code: code, Name: Text{vi, en}, Level: LevelCommune, Parent: parent, Active: true, Since: t, Areas: district}
	}
	steps := []seedStep{
		// [S1] Tài nguyên và Môi trường joins Nông nghiệp và PTNT, which is
		// renamed Nông nghiệp và Môi trường: the code so-nn-ptnt lives on.
		{at: d, from: []string{"so-tn-mt"}, into: "so-nn-ptnt"},
		{at: d, rename: "so-nn-ptnt", name: Text{"Sở Nông nghiệp và Môi trường", "Department of Agriculture and Environment"}},
		// [S1][S8] Kế hoạch và Đầu tư joins Tài chính. Sở Tài chính existed
		// before, but had no procedure area the seed rates: it enters the
		// catalog when it takes over business registration.
		{at: d, add: dept("so-tai-chinh", "Sở Tài chính", "Department of Finance")},
		{at: d, from: []string{"so-ke-hoach-dau-tu"}, into: "so-tai-chinh"},
		// [S1] Giao thông vận tải joins Xây dựng.
		{at: d, from: []string{"so-giao-thong"}, into: "so-xay-dung"},
		// [S1][S8] Lao động – TB&XH joins Nội vụ (which, like Tài chính,
		// enters the catalog with the area it takes over). Nationally some
		// of its tasks (social protection, vocational training) went to
		// other departments; the seed rates the labour area at Nội vụ.
		{at: d, add: dept("so-noi-vu", "Sở Nội vụ", "Department of Home Affairs")},
		{at: d, from: []string{"so-lao-dong"}, into: "so-noi-vu"},

		// [S4] Phường Minh Xuân (new) from seven units, one of them in the
		// catalog (Phan Thiết).
		{at: t, add: commune("p-minh-xuan", "UBND phường Minh Xuân", "Minh Xuân Ward People's Committee")},
		{at: t, from: []string{"p-phan-thiet"}, into: "p-minh-xuan"},
		// [S5] Xã Sơn Dương (new) from thị trấn Sơn Dương, Hợp Thành, Phúc
		// Ứng and Tú Thịnh: all four in the catalog.
		{at: t, add: commune("x-son-duong", "UBND xã Sơn Dương", "Sơn Dương Commune People's Committee")},
		{at: t, from: []string{"tt-son-duong", "x-hop-thanh", "x-phuc-ung", "x-tu-thinh"}, into: "x-son-duong"},
		// [S2] No thị trấn remains after 1/7/2025; the unit that took over
		// thị trấn Na Hang is not in the sources, so it is recorded as
		// dissolved (an administrator can merge it once known).
		{at: t, dissolve: "tt-na-hang"},
		// Xã Thượng Lâm: its 2025 arrangement is not in the sources; the
		// seed keeps it serving, under the province (its district is gone).
		{at: t, reparent: "x-thuong-lam", parent: ""},
		// [S7] The commune-level service centres receive the communes'
		// dossiers (two of the 124, for the two new communes above).
		{at: t, add: centre("ttpvhcc-p-minh-xuan", "p-minh-xuan", "Trung tâm Phục vụ hành chính công phường Minh Xuân", "Minh Xuân Ward Public Administrative Service Centre")},
		{at: t, add: centre("ttpvhcc-x-son-duong", "x-son-duong", "Trung tâm Phục vụ hành chính công xã Sơn Dương", "Sơn Dương Commune Public Administrative Service Centre")},
	}
	// [S2] The district level ends: the city and the six districts are
	// dissolved (their work passed to the province and the communes, not to
	// one successor).
	for _, code := range []string{"tp-tuyen-quang", "lam-binh", "na-hang", "chiem-hoa", "ham-yen", "yen-son", "son-duong"} {
		steps = append(steps, seedStep{at: t, dissolve: code})
	}
	// [S2][S3] The merger with Hà Giang keeps the name Tuyên Quang, so no
	// agency of the catalog is renamed. Hà Giang's former units were never
	// rated by this service and have no records here; their successors
	// (communes of the Hà Giang side) are not seeded.
	return steps
}

// SeedAgencies are the agencies a new installation starts with: Tuyên
// Quang with its history up to the two-tier structure of 2026.
func SeedAgencies() []Agency { return SeedAgenciesAt(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)) }

// SeedAgenciesAt is the seeded catalog as recorded up to at: every change
// dated on or before it applied, later ones not yet.
func SeedAgenciesAt(at time.Time) []Agency {
	cat, _ := replaySeed(at)
	return cat.Agencies
}

// SeedAudit are the audit entries of the seeded history, one per change, with
// the action, target and records the administration writes for the same
// change (actor SeedActor), all dated now, when they are written.
func SeedAudit(now time.Time) []AuditEntry {
	_, recs := replaySeed(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC))
	out := make([]AuditEntry, 0, len(recs))
	for _, r := range recs {
		out = append(out, NewAuditEntry(now, SeedActor, r.action, r.target, r.before, r.after))
	}
	return out
}

// SeedActor is the actor of the seeded history's audit entries.
const SeedActor = "seed"

// seedRecord is what one step changed, as the administration audits it.
type seedRecord struct {
	action, target string
	before, after  any
}

func replaySeed(until time.Time) (*Catalog, []seedRecord) {
	cat := &Catalog{Areas: SeedAreas(), Agencies: append(LegacySeedAgencies(), seedBefore()...)}
	var recs []seedRecord
	for _, s := range seedSteps() {
		if s.at.After(until) {
			break
		}
		r, err := s.apply(cat)
		if err != nil {
			panic(err) // the seed is fixed data; TestSeedHistory builds it
		}
		recs = append(recs, r)
	}
	return cat, recs
}

// apply records the step with the same functions the administration pages
// use, and returns the audit record they would write.
func (s seedStep) apply(cat *Catalog) (seedRecord, error) {
	put := func(as ...Agency) {
		for _, a := range as {
			i := slices.IndexFunc(cat.Agencies, func(b Agency) bool { return b.Code == a.Code })
			cat.Agencies[i] = a
		}
	}
	one := func(code, action string, change func(Agency) Agency) (seedRecord, error) {
		prev, err := cat.Agency(code)
		if err != nil {
			return seedRecord{}, fmt.Errorf("seed step on %s: %w", code, err)
		}
		a := change(prev)
		put(a)
		return seedRecord{action, code, prev, a}, nil
	}
	switch {
	case s.add != nil:
		cat.Agencies = append(cat.Agencies, *s.add)
		return seedRecord{"agency_create", s.add.Code, nil, *s.add}, nil
	case s.into != "":
		changed, fe := Merge(cat, s.from, s.into, s.at, false)
		if fe != nil {
			return seedRecord{}, fmt.Errorf("seed merge %v into %s: %v", s.from, s.into, fe)
		}
		var before []Agency
		for _, a := range changed {
			prev, _ := cat.Agency(a.Code)
			before = append(before, prev)
		}
		put(changed...)
		return seedRecord{"agency_merge", s.into, before, changed}, nil
	case s.rename != "":
		return one(s.rename, "agency_update", func(a Agency) Agency { return Rename(a, s.name, s.at) })
	case s.dissolve != "":
		return one(s.dissolve, "agency_dissolve", func(a Agency) Agency { return Dissolve(a, s.at) })
	case s.reparent != "":
		return one(s.reparent, "agency_update", func(a Agency) Agency { a.Parent = s.parent; return a })
	}
	return seedRecord{}, fmt.Errorf("empty seed step on %v", s.at)
}
