package survey

// The response rate's columns of an aggregates export (issue 18), last in
// every row: the unit's invitations issued, used and expired over the row's
// period (and area), the response rate used ÷ (used + expired), whether
// it is under the installation's minimum, and the coverage issued ÷
// completed dossiers. They are counts of links, not of
// answers, so they are shown in rows withheld for k-anonymity too.

// addRate adds the response rate's six columns.
func (l *AggregateLayout) addRate() {
	l.rate = len(l.Columns)
	l.Columns = append(l.Columns,
		col("invitations_issued", ColInt, "Số thư mời khảo sát đã phát hành trong kỳ", "Survey invitations issued in the period"),
		col("invitations_used", ColInt, "Số thư mời đã được dùng để trả lời trong kỳ", "Invitations used to answer in the period"),
		col("invitations_expired", ColInt, "Số thư mời hết hạn chưa dùng trong kỳ", "Invitations that expired unused in the period"),
		col("response_rate", ColPercent, "Tỷ lệ phản hồi (%): đã dùng ÷ (đã dùng + hết hạn); trống khi không có", "Response rate (%): used ÷ (used + expired); empty when there is none"),
		col("response_rate_low", ColBool, "Tỷ lệ phản hồi dưới mức tối thiểu của hệ thống", "Response rate under the installation's minimum"),
		col("coverage", ColPercent, "Độ phủ (%): thư mời đã phát hành ÷ số hồ sơ hoàn thành do hệ thống một cửa báo; trống khi không có số liệu hồ sơ",
			"Coverage (%): invitations issued ÷ completed dossiers the one-stop-shop reported; empty without dossier counts"),
	)
}

// PutRate writes the row's response rate cells for the tally, flagged under
// min (a fraction), and the coverage when completed dossiers were reported
// (completed >= 0; -1 for none).
func (l *AggregateLayout) PutRate(dst []Value, t InvitationTally, min float64, completed int) {
	d := dst[l.rate:]
	d[0], d[1], d[2] = IntValue(int64(t.Issued)), IntValue(int64(t.Used)), IntValue(int64(t.Expired))
	if r, ok := t.ResponseRate(); ok {
		d[3], d[4] = NumValue(r*100), BoolValue(r < min)
	}
	if c, ok := Coverage(t.Issued, completed); ok {
		d[5] = NumValue(c * 100)
	}
}
