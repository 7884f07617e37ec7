"""Strings of the monitoring page (issue 12), merged into the catalogues of :mod:`.i18n`."""

from __future__ import annotations

MONITORING_ID: dict[str, str] = {
    "nav_monitoring": "Pemantauan",
    "mon_title": "Pemantauan pascamutasi",
    "mon_none": (
        "Belum ada laporan pemantauan. Jalankan mutasi monitor DATA_DIR pada ekspor data "
        "kepegawaian yang lebih baru."
    ),
    "mon_unreadable": "Laporan pemantauan tidak dapat dibaca: {error}",
    "mon_intro": (
        "Laporan {report_id}, dibuat {created} (UTC): model {name} versi {version} pada ekspor "
        "{snapshot} tanggal {export}; mutasi yang berlaku {since} s.d. {until}."
    ),
    "mon_snapshot_differs": "Ekspor ini bukan snapshot yang sedang dilayani ({served}).",
    "mon_recommendation": "Rekomendasi",
    "mon_action_retrain": "Latih ulang model",
    "mon_action_keep": "Pertahankan model",
    "mon_counts_title": "Mutasi dan usulan",
    "mon_counts_ok": (
        "Jumlah cocok: mutasi = direkomendasikan & dimutasi + hanya dimutasi; usulan = "
        "direkomendasikan & dimutasi + hanya direkomendasikan."
    ),
    "mon_counts_bad": "Jumlah TIDAK cocok; laporkan ke pengelola sistem.",
    "mon_cat_recommended_and_moved": "Direkomendasikan & dimutasi",
    "mon_cat_moved_only": "Hanya dimutasi",
    "mon_cat_recommended_only": "Hanya direkomendasikan",
    "mon_col_category": "Kategori",
    "mon_col_total": "Jumlah",
    "mon_col_rated": "Sudah dinilai",
    "mon_col_unrated": "Belum dinilai",
    "mon_col_superseded": "Dimutasi lagi",
    "mon_not_moved": (
        "Usulan tanpa mutasi: {left} keluar dari layanan, {elsewhere} dimutasi ke tempat lain, "
        "{filled} jabatannya diisi orang lain, {open} jendela pencocokan masih terbuka."
    ),
    "mon_basis": "Direkomendasikan & dimutasi menurut dasarnya: {text}",
    "mon_quality_title": "Predikat terealisasi vs prediksi",
    "mon_quality_intro": (
        "Atas mutasi yang tahun penuh pertamanya sudah dinilai. Cakupan nominal interval "
        "{level}%. Kelompok di bawah {min} mutasi ditampilkan tetapi tidak dibandingkan."
    ),
    "mon_row_answered": "Sesuai jawaban, model v{version}",
    "mon_row_model": "Model v{version}, semua mutasi yang dinilai",
    "mon_col_predictions": "Prediksi",
    "mon_col_bias": "Bias",
    "mon_col_coverage": "Cakupan",
    "mon_col_share_good": "Porsi baik+",
    "mon_calibration_title": "Kalibrasi per desil prediksi",
    "mon_col_decile": "Desil",
    "mon_col_mean_predicted": "Rata-rata prediksi",
    "mon_col_mean_realised": "Rata-rata terealisasi",
    "mon_groups_title": "Per kelompok yang dilindungi",
    "mon_sector_title": "Per sektor",
    "mon_col_attribute": "Atribut",
    "mon_col_group": "Kelompok",
    "mon_small": "kecil, tidak dibandingkan",
    "mon_gap": "Selisih MAE terbesar pada {attribute}: {gap} ({worst} dibanding {best}).",
    "mon_overrides_title": "Keputusan menyimpang vs mengikuti rekomendasi",
    "mon_followed": "Mengikuti rekomendasi",
    "mon_overridden": "Menyimpang dari model",
    "mon_col_decisions": "Keputusan",
    "mon_col_mean_truth": "Rata-rata kebenaran (sintetis)",
    "mon_model_pick": (
        "Kandidat pertama model pada keputusan yang menyimpang: prediksi rata-rata {pred}, "
        "kebenaran rata-rata {truth}."
    ),
    "mon_drift_title": "Pergeseran data",
    "mon_drift_none": "Pergeseran tidak diukur: {note}",
    "mon_drift_intro": (
        "Dibandingkan dengan data acuan model (mutasi {start} s.d. {end}): bergeser bila "
        "PSI >= {psi} dan uji chi-kuadrat p < {p} (paling sedikit {rows} baris)."
    ),
    "mon_drift_unused": "Bergeser tetapi hampir tidak dipakai model: {names}",
    "mon_col_column": "Kolom",
    "mon_col_kind": "Jenis",
    "mon_col_n_ref": "n acuan",
    "mon_col_n_now": "n kini",
    "mon_col_verdict": "Penilaian",
    "mon_shifted": "bergeser",
    "mon_shifted_unused": "bergeser, tidak dipakai",
    "mon_not_judged": "baris terlalu sedikit",
    "kind_feature": "fitur model",
    "kind_prediction": "prediksi",
    "kind_label": "predikat hasil",
    "kind_attribute": "atribut pegawai",
    "mon_truth_title": "Terhadap kebenaran generator (data sintetis)",
    "mon_truth_text": (
        "MAE model terhadap predikat tanpa derau: {mae} ({n} mutasi). Presisi daftar "
        "pendampingan {precision} ({listed} orang menurut hasil), recall {recall} dari "
        "{at_risk} yang sungguh berisiko; presisi daftar dini {early} ({n_early} orang)."
    ),
    "mon_mentoring_title": "Daftar pendampingan",
    "mon_mentoring_intro": "{n} pegawai yang dimutasi memerlukan pendampingan.",
    "mon_mentoring_download": "Unduh CSV",
    "mon_mentoring_more": "Menampilkan {shown} dari {n}; unduh CSV untuk semuanya.",
    "mon_col_nip": "NIP",
    "mon_col_name": "Nama",
    "mon_col_position": "Jabatan baru",
    "mon_col_moved_on": "TMT",
    "mon_col_realised": "Predikat",
    "mon_col_prediction": "Prediksi [interval]",
    "mon_col_flags": "Tanda",
    "mon_col_reasons": "Alasan yang menurunkan prediksi",
    "mon_col_trainings": "Kesenjangan dan pelatihan",
    "mon_not_rated": "belum dinilai",
    "flag_realised_low": "predikat rendah",
    "flag_below_interval": "jauh di bawah interval",
    "flag_early_gap": "kesenjangan besar (dini)",
}

MONITORING_EN: dict[str, str] = {
    "nav_monitoring": "Monitoring",
    "mon_title": "Post-move monitoring",
    "mon_none": "No monitoring report yet. Run mutasi monitor DATA_DIR on a newer HR export.",
    "mon_unreadable": "The monitoring report cannot be read: {error}",
    "mon_intro": (
        "Report {report_id}, made {created} (UTC): model {name} version {version} on export "
        "{snapshot} of {export}; moves effective {since} to {until}."
    ),
    "mon_snapshot_differs": "This export is not the snapshot being served ({served}).",
    "mon_recommendation": "Recommendation",
    "mon_action_retrain": "Retrain the model",
    "mon_action_keep": "Keep the model",
    "mon_counts_title": "Moves and proposals",
    "mon_counts_ok": (
        "The counts reconcile: moves = recommended & moved + moved only; proposals = "
        "recommended & moved + recommended only."
    ),
    "mon_counts_bad": "The counts do NOT reconcile; report this to the system's maintainers.",
    "mon_cat_recommended_and_moved": "Recommended & moved",
    "mon_cat_moved_only": "Moved only",
    "mon_cat_recommended_only": "Recommended only",
    "mon_col_category": "Category",
    "mon_col_total": "Total",
    "mon_col_rated": "Rated",
    "mon_col_unrated": "Not rated yet",
    "mon_col_superseded": "Moved again",
    "mon_not_moved": (
        "Proposals no move followed: {left} left the service, {elsewhere} moved elsewhere, "
        "{filled} posts were filled by someone else, {open} still within the match window."
    ),
    "mon_basis": "Recommended & moved by basis: {text}",
    "mon_quality_title": "Realised vs predicted",
    "mon_quality_intro": (
        "Over moves whose first full year in the new post is rated. Nominal interval coverage "
        "{level}%. Groups under {min} moves are shown but not compared."
    ),
    "mon_row_answered": "As answered, model v{version}",
    "mon_row_model": "Model v{version}, every rated move",
    "mon_col_predictions": "Predictions",
    "mon_col_bias": "Bias (pred - real)",
    "mon_col_coverage": "Coverage",
    "mon_col_share_good": "Share baik+",
    "mon_calibration_title": "Calibration by decile of the prediction",
    "mon_col_decile": "Decile",
    "mon_col_mean_predicted": "Mean predicted",
    "mon_col_mean_realised": "Mean realised",
    "mon_groups_title": "By protected group",
    "mon_sector_title": "By sector",
    "mon_col_attribute": "Attribute",
    "mon_col_group": "Group",
    "mon_small": "small, not compared",
    "mon_gap": "Largest MAE gap in {attribute}: {gap} ({worst} against {best}).",
    "mon_overrides_title": "Overrides vs followed recommendations",
    "mon_followed": "Followed the recommendation",
    "mon_overridden": "Chosen against the model",
    "mon_col_decisions": "Decisions",
    "mon_col_mean_truth": "Mean truth (synthetic)",
    "mon_model_pick": (
        "The model's first candidate where the decision overrode it: mean predicted {pred}, "
        "mean truth {truth}."
    ),
    "mon_drift_title": "Drift",
    "mon_drift_none": "Drift not measured: {note}",
    "mon_drift_intro": (
        "Against the model's reference data (moves {start} to {end}): shifted when PSI >= "
        "{psi} and a chi-square test gives p < {p} (at least {rows} rows)."
    ),
    "mon_drift_unused": "Shifted but hardly used by the model: {names}",
    "mon_col_column": "Column",
    "mon_col_kind": "Kind",
    "mon_col_n_ref": "n reference",
    "mon_col_n_now": "n now",
    "mon_col_verdict": "Verdict",
    "mon_shifted": "shifted",
    "mon_shifted_unused": "shifted, unused",
    "mon_not_judged": "too few rows",
    "kind_feature": "model feature",
    "kind_prediction": "prediction",
    "kind_label": "realised rating",
    "kind_attribute": "employee attribute",
    "mon_truth_title": "Against the generator's truth (synthetic data)",
    "mon_truth_text": (
        "Model MAE against the noise-free rating: {mae} ({n} moves). Mentoring list precision "
        "{precision} ({listed} people listed on their outcome), recall {recall} of {at_risk} "
        "truly at risk; early list precision {early} ({n_early} people)."
    ),
    "mon_mentoring_title": "Mentoring list (daftar pendampingan)",
    "mon_mentoring_intro": "{n} moved employees need accompaniment.",
    "mon_mentoring_download": "Download CSV",
    "mon_mentoring_more": "Showing {shown} of {n}; download the CSV for all of them.",
    "mon_col_nip": "NIP (civil service no.)",
    "mon_col_name": "Name",
    "mon_col_position": "New post",
    "mon_col_moved_on": "Effective",
    "mon_col_realised": "Rating",
    "mon_col_prediction": "Prediction [interval]",
    "mon_col_flags": "Flags",
    "mon_col_reasons": "Reasons that lowered the prediction",
    "mon_col_trainings": "Gaps and training",
    "mon_not_rated": "not rated yet",
    "flag_realised_low": "low rating",
    "flag_below_interval": "far below interval",
    "flag_early_gap": "large gap (early)",
}
