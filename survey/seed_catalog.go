package survey

import "time"

// SeedAreas are the procedure areas a new installation starts with.
func SeedAreas() []Area {
	t := func(code, vi, en string, order int) Area { return Area{Code: code, Name: Text{vi, en}, Order: order} }
	return []Area{
		t("dat-dai", "Đất đai", "Land", 1),
		t("moi-truong", "Tài nguyên và môi trường", "Natural resources and environment", 2),
		t("xay-dung", "Xây dựng", "Construction", 3),
		t("tu-phap", "Tư pháp – hộ tịch – chứng thực", "Justice, civil status and certification", 4),
		t("kinh-doanh", "Đăng ký kinh doanh – đầu tư", "Business registration and investment", 5),
		t("lao-dong", "Lao động – thương binh và xã hội", "Labour, invalids and social affairs", 6),
		t("giao-thong", "Giao thông vận tải", "Transport", 7),
		t("cong-thuong", "Công thương", "Industry and trade", 8),
		t("nong-nghiep", "Nông nghiệp và phát triển nông thôn", "Agriculture and rural development", 9),
	}
}

// LegacySeedAgencies are the agencies earlier versions seeded: Tuyên Quang
// before the 2025 reorganisation (eight departments, the city and six
// districts, four communes), all serving. A new installation gets
// SeedAgencies, which starts from these and records their history; the
// tests written against these codes use this list as their fixture.
func LegacySeedAgencies() []Agency {
	since := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	a := func(code string, level Level, parent, vi, en string, areas ...string) Agency {
		return Agency{Code: code, Name: Text{vi, en}, Level: level, Parent: parent, Areas: areas, Active: true, Since: since}
	}
	district := []string{"dat-dai", "moi-truong", "xay-dung", "tu-phap", "kinh-doanh", "lao-dong"}
	commune := []string{"dat-dai", "tu-phap", "lao-dong"}
	return []Agency{
		a("so-tu-phap", LevelDepartment, "", "Sở Tư pháp", "Department of Justice", "tu-phap"),
		a("so-cong-thuong", LevelDepartment, "", "Sở Công Thương", "Department of Industry and Trade", "cong-thuong", "kinh-doanh"),
		a("so-nn-ptnt", LevelDepartment, "", "Sở Nông nghiệp và Phát triển nông thôn", "Department of Agriculture and Rural Development", "nong-nghiep", "moi-truong"),
		a("so-xay-dung", LevelDepartment, "", "Sở Xây dựng", "Department of Construction", "xay-dung"),
		a("so-tn-mt", LevelDepartment, "", "Sở Tài nguyên và Môi trường", "Department of Natural Resources and Environment", "dat-dai", "moi-truong"),
		a("so-ke-hoach-dau-tu", LevelDepartment, "", "Sở Kế hoạch và Đầu tư", "Department of Planning and Investment", "kinh-doanh"),
		a("so-lao-dong", LevelDepartment, "", "Sở Lao động – Thương binh và Xã hội", "Department of Labour, Invalids and Social Affairs", "lao-dong"),
		a("so-giao-thong", LevelDepartment, "", "Sở Giao thông vận tải", "Department of Transport", "giao-thong"),
		a("tp-tuyen-quang", LevelDistrict, "", "UBND thành phố Tuyên Quang", "Tuyên Quang City People's Committee", district...),
		a("lam-binh", LevelDistrict, "", "UBND huyện Lâm Bình", "Lâm Bình District People's Committee", district...),
		a("na-hang", LevelDistrict, "", "UBND huyện Na Hang", "Na Hang District People's Committee", district...),
		a("chiem-hoa", LevelDistrict, "", "UBND huyện Chiêm Hóa", "Chiêm Hóa District People's Committee", district...),
		a("ham-yen", LevelDistrict, "", "UBND huyện Hàm Yên", "Hàm Yên District People's Committee", district...),
		a("yen-son", LevelDistrict, "", "UBND huyện Yên Sơn", "Yên Sơn District People's Committee", district...),
		a("son-duong", LevelDistrict, "", "UBND huyện Sơn Dương", "Sơn Dương District People's Committee", district...),
		a("tt-son-duong", LevelCommune, "son-duong", "UBND thị trấn Sơn Dương", "Sơn Dương Town People's Committee", commune...),
		a("p-phan-thiet", LevelCommune, "tp-tuyen-quang", "UBND phường Phan Thiết", "Phan Thiết Ward People's Committee", commune...),
		a("tt-na-hang", LevelCommune, "na-hang", "UBND thị trấn Na Hang", "Na Hang Town People's Committee", commune...),
		a("x-thuong-lam", LevelCommune, "lam-binh", "UBND xã Thượng Lâm", "Thượng Lâm Commune People's Committee", commune...),
	}
}
