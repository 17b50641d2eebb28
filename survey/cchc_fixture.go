package survey

import (
	"math"
	"slices"
	"time"
)

// The 2018 fixture reproduces the CCHC index Tuyên Quang announced for 2018
// (shared/domain/SIPAS.md §1): Sở Tư pháp leads the 19 departments with
// 94,30 % and Sở Công Thương is last with 66,34 %; UBND huyện Lâm Bình leads
// the districts with 85,78 % and UBND huyện Chiêm Hóa is last with 73,65 %;
// Sở Nông nghiệp và Phát triển nông thôn moved from 15/19 (2017) to 5/19.
//
// The article publishes those totals and ranks only. Everything else is
// illustrative and marked so: the framework's components follow the usual
// CCHC structure with maxima of our own (100 points per group), every other
// unit's index is invented (11 departments are not in the seeded catalog),
// every unit carries its 2018 name and group, and the split of each unit's points over the
// sub-criteria and its survey index are generated below from its total.

// CCHCFixtureVersion is the framework version the fixture publishes.
const CCHCFixtureVersion = 1

// cchcFixtureUnit is a unit of the fixture with its published or invented
// index in 2017 and 2018 (0: not ranked that year).
type cchcFixtureUnit struct {
	code          string
	name          *Text // units outside the seeded catalog
	group         Level
	illustrative  bool
	y2017, y2018  float64
	notApplicable []string // in 2018
}

// CCHCFixtureFramework is the framework the fixture publishes: departments
// (survey points linear, full from 90 %) and districts (survey points by
// thresholds), 100 points each.
func CCHCFixtureFramework() CCHCFramework {
	t := func(vi, en string) Text { return Text{Vi: vi, En: en} }
	k := func(code string, max float64, vi, en string) CCHCCriterion {
		return CCHCCriterion{Code: code, Max: max, Name: t(vi, en)}
	}
	appraised := []CCHCComponent{
		{Code: "1", Name: t("Công tác chỉ đạo, điều hành cải cách hành chính", "Direction of administrative reform"), Criteria: []CCHCCriterion{
			k("1.1", 4, "Kế hoạch cải cách hành chính năm", "Annual reform plan"),
			k("1.2", 3, "Báo cáo cải cách hành chính", "Reform reporting"),
			k("1.3", 3, "Kiểm tra cải cách hành chính", "Reform inspections"),
			k("1.4", 3, "Tuyên truyền cải cách hành chính", "Communication on reform"),
		}},
		{Code: "2", Name: t("Xây dựng và tổ chức thực hiện văn bản quy phạm pháp luật", "Legal documents"), Criteria: []CCHCCriterion{
			k("2.1", 5, "Xây dựng văn bản quy phạm pháp luật", "Drafting legal documents"),
			k("2.2", 5, "Theo dõi thi hành pháp luật", "Monitoring law enforcement"),
		}},
		{Code: "3", Name: t("Cải cách thủ tục hành chính", "Administrative procedures"), Criteria: []CCHCCriterion{
			k("3.1", 4, "Rà soát, đơn giản hóa thủ tục hành chính", "Reviewing and simplifying procedures"),
			k("3.2", 4, "Công khai thủ tục hành chính", "Publishing procedures"),
			k("3.3", 6, "Thực hiện cơ chế một cửa, một cửa liên thông", "One-stop mechanism"),
		}},
		{Code: "4", Name: t("Cải cách tổ chức bộ máy hành chính", "Organisation"), Criteria: []CCHCCriterion{
			k("4.1", 4, "Sắp xếp tổ chức bộ máy", "Structure of the apparatus"),
			k("4.2", 4, "Phân cấp quản lý", "Decentralisation"),
		}},
		{Code: "5", Name: t("Xây dựng và nâng cao chất lượng đội ngũ cán bộ, công chức, viên chức", "Civil servants"), Criteria: []CCHCCriterion{
			k("5.1", 5, "Vị trí việc làm và cơ cấu ngạch", "Job positions"),
			k("5.2", 5, "Đào tạo, bồi dưỡng và kỷ luật, kỷ cương", "Training and discipline"),
		}},
		{Code: "6", Name: t("Cải cách tài chính công", "Public finance"), Criteria: []CCHCCriterion{
			k("6.1", 5, "Tự chủ tài chính", "Financial autonomy"),
			k("6.2", 4, "Quản lý, sử dụng tài sản công", "Public assets"),
		}},
		{Code: "7", Name: t("Hiện đại hóa hành chính", "E-government"), Criteria: []CCHCCriterion{
			k("7.1", 8, "Ứng dụng công nghệ thông tin", "Use of information technology"),
			k("7.2", 6, "Dịch vụ công trực tuyến", "Online public services"),
			k("7.3", 4, "Hệ thống quản lý chất lượng ISO", "ISO quality management"),
		}},
	}
	surveyName := t("Mức độ hài lòng của người dân, tổ chức", "Satisfaction of citizens and organisations")
	withSurvey := func(r CCHCSurveyRule) []CCHCComponent {
		cs := cloneCCHC(CCHCFramework{Groups: []CCHCGroupFrame{{Components: appraised}}}).Groups[0].Components
		return append(cs, CCHCComponent{Code: "8", Name: surveyName, Survey: &r})
	}
	return CCHCFramework{
		Key: CCHCKey(CCHCFixtureVersion), Version: CCHCFixtureVersion, FromYear: 2017,
		Title: t("Bộ chỉ số cải cách hành chính (minh họa, theo cấu trúc 2018)", "Administrative reform index (illustrative, 2018 structure)"),
		Groups: []CCHCGroupFrame{
			{Group: LevelDepartment, Components: withSurvey(CCHCSurveyRule{Kind: CCHCLinear, Max: 18, FullFrom: 90})},
			{Group: LevelDistrict, Components: withSurvey(CCHCSurveyRule{Kind: CCHCThresholds, Max: 18, Steps: []CCHCStep{
				{Min: 90, Points: 18}, {Min: 80, Points: 15}, {Min: 70, Points: 12}, {Min: 0, Points: 8},
			}})},
		},
		Published:   true,
		PublishedAt: time.Date(2019, 2, 1, 0, 0, 0, 0, time.UTC),
	}
}

func cchcFixtureUnits() []cchcFixtureUnit {
	own := func(code, vi, en string, y17, y18 float64) cchcFixtureUnit {
		return cchcFixtureUnit{code: code, name: &Text{Vi: vi, En: en}, group: LevelDepartment, illustrative: true, y2017: y17, y2018: y18}
	}
	// Units of the seeded catalog carry their 2018 names too, so that the
	// fixture reads the same whatever the catalog becomes.
	cat := func(code, vi, en string, group Level, illustrative bool, y17, y18 float64) cchcFixtureUnit {
		return cchcFixtureUnit{code: code, name: &Text{Vi: vi, En: en}, group: group, illustrative: illustrative, y2017: y17, y2018: y18}
	}
	dt := own("ban-dan-toc", "Ban Dân tộc", "Ethnic Minorities Committee", 73.10, 75.40)
	dt.notApplicable = []string{"6.1"} // lowers its maximum to 95
	return []cchcFixtureUnit{
		// Departments: the three the article names, then the others.
		cat("so-tu-phap", "Sở Tư pháp", "Department of Justice", LevelDepartment, false, 92.80, 94.30),
		cat("so-nn-ptnt", "Sở Nông nghiệp và Phát triển nông thôn", "Department of Agriculture and Rural Development", LevelDepartment, false, 76.40, 88.76),
		cat("so-cong-thuong", "Sở Công Thương", "Department of Industry and Trade", LevelDepartment, false, 70.80, 66.34),
		own("van-phong-ubnd", "Văn phòng UBND tỉnh", "Office of the Provincial People's Committee", 90.50, 92.15),
		own("so-noi-vu", "Sở Nội vụ", "Department of Home Affairs", 91.20, 90.87),
		own("so-tai-chinh", "Sở Tài chính", "Department of Finance", 88.90, 89.42),
		cat("so-ke-hoach-dau-tu", "Sở Kế hoạch và Đầu tư", "Department of Planning and Investment", LevelDepartment, true, 87.60, 87.90),
		own("so-tt-tt", "Sở Thông tin và Truyền thông", "Department of Information and Communications", 86.30, 86.55),
		cat("so-tn-mt", "Sở Tài nguyên và Môi trường", "Department of Natural Resources and Environment", LevelDepartment, true, 85.00, 85.31),
		own("so-giao-duc", "Sở Giáo dục và Đào tạo", "Department of Education and Training", 84.10, 84.20),
		own("so-khcn", "Sở Khoa học và Công nghệ", "Department of Science and Technology", 83.20, 83.08),
		cat("so-xay-dung", "Sở Xây dựng", "Department of Construction", LevelDepartment, true, 82.40, 81.97),
		own("so-y-te", "Sở Y tế", "Department of Health", 81.10, 80.45),
		own("thanh-tra", "Thanh tra tỉnh", "Provincial Inspectorate", 80.20, 79.62),
		cat("so-lao-dong", "Sở Lao động – Thương binh và Xã hội", "Department of Labour, Invalids and Social Affairs", LevelDepartment, true, 79.00, 78.10),
		own("so-vh-tt-dl", "Sở Văn hóa, Thể thao và Du lịch", "Department of Culture, Sports and Tourism", 77.70, 76.83),
		dt,
		cat("so-giao-thong", "Sở Giao thông vận tải", "Department of Transport", LevelDepartment, true, 74.90, 73.92),
		own("ban-ql-kcn", "Ban Quản lý các khu công nghiệp", "Industrial Zones Authority", 68.50, 71.05),
		// Districts: the two the article names, then the others.
		cat("lam-binh", "UBND huyện Lâm Bình", "Lâm Bình District People's Committee", LevelDistrict, false, 83.20, 85.78),
		cat("chiem-hoa", "UBND huyện Chiêm Hóa", "Chiêm Hóa District People's Committee", LevelDistrict, false, 76.70, 73.65),
		cat("tp-tuyen-quang", "UBND thành phố Tuyên Quang", "Tuyên Quang City People's Committee", LevelDistrict, true, 84.10, 84.60),
		cat("son-duong", "UBND huyện Sơn Dương", "Sơn Dương District People's Committee", LevelDistrict, true, 79.80, 82.35),
		cat("ham-yen", "UBND huyện Hàm Yên", "Hàm Yên District People's Committee", LevelDistrict, true, 78.50, 80.92),
		cat("na-hang", "UBND huyện Na Hang", "Na Hang District People's Committee", LevelDistrict, true, 75.20, 78.40),
		cat("yen-son", "UBND huyện Yên Sơn", "Yên Sơn District People's Committee", LevelDistrict, true, 81.30, 76.15),
	}
}

// CCHCFixtureYears are the fixture's points for 2017 and 2018.
func CCHCFixtureYears() []CCHCYear {
	fw := CCHCFixtureFramework()
	var out []CCHCYear
	for _, year := range []int{2017, 2018} {
		y := CCHCYear{Year: year}
		for _, fu := range cchcFixtureUnits() {
			target := fu.y2017
			var na []string
			if year == 2018 {
				target, na = fu.y2018, fu.notApplicable
			}
			if target == 0 {
				continue
			}
			gf, _ := fw.Group(fu.group)
			u := CCHCUnitPoints{Agency: fu.code, Name: fu.name, Group: fu.group, Illustrative: fu.illustrative, NotApplicable: na}
			u.SurveyIndex, u.Points = cchcFixturePoints(gf, target, na)
			y.Units = append(y.Units, u)
		}
		out = append(out, y)
	}
	return out
}

// cchcFixturePoints splits a unit's total over its group's method: an
// entered survey index that rises with the total, its survey points by the
// group's rule, and the rest of the points spread over the applicable
// sub-criteria in proportion to their maxima, to two decimals, the last one
// taking the rounding so that the total is exact.
func cchcFixturePoints(gf CCHCGroupFrame, index float64, na []string) (*float64, []CCHCPoint) {
	var criteria []CCHCCriterion
	appraisedMax := 0.0
	for _, c := range gf.Components {
		for _, k := range c.Criteria {
			if !slices.Contains(na, k.Code) {
				criteria = append(criteria, k)
				appraisedMax += k.Max
			}
		}
	}
	total := Round2(index * (appraisedMax + gf.SurveyComponent().Max()) / 100)
	surveyIndex := Round2(60 + 0.35*index)
	rest := Round2(total - gf.SurveyComponent().Survey.Points(surveyIndex))
	points := make([]CCHCPoint, len(criteria))
	sum := 0.0
	for i, k := range criteria {
		p := Round2(k.Max * rest / appraisedMax)
		if i == len(criteria)-1 {
			p = Round2(rest - sum)
		}
		points[i] = CCHCPoint{Code: k.Code, Points: math.Min(p, k.Max)}
		sum = Round2(sum + p)
	}
	return &surveyIndex, points
}
