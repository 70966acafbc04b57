//! `--plot FILE.svg`: the bench report as an SVG chart, drawn with plotters'
//! SVG backend (no system fonts or image libraries; text is left to the
//! viewer's sans-serif).
//!
//! Three panels share the concurrency axis (log scale): pages/s against the
//! ideal (sequential pages/s × ideal speedup), speedup against the ideal line,
//! and the p50–p99 latency band. The pages/s panel marks each measured level
//! with one circle, and only that panel draws circles (the tests count them).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{BenchReport, BenchRun};

/// Chart size in pixels.
const SIZE: (u32, u32) = (960, 680);
/// Height of the two upper panels.
const TOP_HEIGHT: u32 = 380;

const MEASURED: RGBColor = RGBColor(31, 119, 180);
const IDEAL: RGBColor = RGBColor(150, 150, 150);
const KNEE: RGBColor = RGBColor(214, 39, 40);
const P50: RGBColor = RGBColor(44, 160, 44);
const P99: RGBColor = RGBColor(255, 127, 14);

/// Drawing or writing the chart failed.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// plotters reports layout errors as text.
    #[error("cannot draw the bench plot: {0}")]
    Draw(String),
    #[error("cannot write plot \"{}\": {source}", path.display())]
    Write {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Draws the report into `path`.
pub async fn write(path: &std::path::Path, report: &BenchReport) -> Result<(), PlotError> {
    let text = svg(report)?;
    tokio::fs::write(path, text)
        .await
        .map_err(|source| PlotError::Write {
            path: path.to_owned(),
            source,
        })
}

/// The report as an SVG document.
pub fn svg(report: &BenchReport) -> Result<String, PlotError> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        draw(&root, report).map_err(|e| PlotError::Draw(e.to_string()))?;
        root.present().map_err(|e| PlotError::Draw(e.to_string()))?;
    }
    Ok(out)
}

type DrawResult = Result<(), Box<dyn std::error::Error>>;

fn draw(root: &DrawingArea<SVGBackend<'_>, Shift>, r: &BenchReport) -> DrawResult {
    root.fill(&WHITE)?;
    let title = match &r.knee {
        Some(k) => format!(
            "scrape bench: {} urls, knee at concurrency {}",
            r.urls, k.concurrency
        ),
        None => format!("scrape bench: {} urls", r.urls),
    };
    let root = root.titled(&title, ("sans-serif", 22))?;
    let (top, bottom) = root.split_vertically(TOP_HEIGHT);
    let (left, right) = top.split_horizontally(SIZE.0 / 2);
    let max_level = r.runs.iter().map(|x| x.concurrency).max().unwrap_or(1) as f64;
    // A log axis needs a positive, non-empty range: pad the ends a little.
    let xs = 0.8f64..(max_level * 1.25).max(2.0);
    let seq_pps = r.runs.first().map_or(0.0, |x| x.pages_per_sec);

    // pages/s against the ideal.
    let pps: Vec<(f64, f64)> = points(r, |x| x.pages_per_sec);
    let ideal_pps: Vec<(f64, f64)> = points(r, |x| seq_pps * x.ideal_speedup);
    let top_pps = pps.iter().map(|p| p.1).fold(0.0, f64::max) * 1.3;
    let mut chart = ChartBuilder::on(&left)
        .caption("pages/s", ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(xs.clone().log_scale(), 0f64..top_pps.max(1.0))?;
    chart
        .configure_mesh()
        .x_desc("concurrency")
        .y_desc("pages/s")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .draw()?;
    let clipped: Vec<(f64, f64)> = ideal_pps.into_iter().filter(|p| p.1 <= top_pps).collect();
    chart
        .draw_series(DashedLineSeries::new(clipped, 6, 4, IDEAL.stroke_width(2)))?
        .label("ideal (sequential × level)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], IDEAL.stroke_width(2)));
    chart
        .draw_series(LineSeries::new(
            pps.iter().copied(),
            MEASURED.stroke_width(2),
        ))?
        .label("measured")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], MEASURED.stroke_width(2)));
    chart.draw_series(pps.iter().map(|&p| Circle::new(p, 4, MEASURED.filled())))?;
    if let Some(k) = &r.knee {
        let x = k.concurrency as f64;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(x, 0.0), (x, top_pps)],
                KNEE.stroke_width(1),
            )))?
            .label(format!("knee: {}", k.concurrency))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], KNEE.stroke_width(1)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()?;

    // speedup against the ideal.
    let speedup: Vec<(f64, f64)> = points(r, |x| x.speedup);
    let ideal: Vec<(f64, f64)> = points(r, |x| x.ideal_speedup);
    let top_speedup = speedup.iter().map(|p| p.1).fold(1.0, f64::max) * 1.3;
    let mut chart = ChartBuilder::on(&right)
        .caption("speedup over sequential", ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(48)
        .build_cartesian_2d(xs.clone().log_scale(), 0f64..top_speedup)?;
    chart
        .configure_mesh()
        .x_desc("concurrency")
        .y_desc("speedup ×")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .draw()?;
    let clipped: Vec<(f64, f64)> = ideal.into_iter().filter(|p| p.1 <= top_speedup).collect();
    chart
        .draw_series(DashedLineSeries::new(clipped, 6, 4, IDEAL.stroke_width(2)))?
        .label("ideal")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], IDEAL.stroke_width(2)));
    chart
        .draw_series(LineSeries::new(speedup, MEASURED.stroke_width(2)))?
        .label("measured")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], MEASURED.stroke_width(2)));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()?;

    // latency band: p50 to p99 per level.
    let p50: Vec<(f64, f64)> = points(r, |x| x.latency_ms.p50);
    let p99: Vec<(f64, f64)> = points(r, |x| x.latency_ms.p99);
    let top_ms = p99.iter().map(|p| p.1).fold(0.0, f64::max) * 1.2;
    let mut chart = ChartBuilder::on(&bottom)
        .caption("latency per page (p50 – p99 band)", ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(xs.log_scale(), 0f64..top_ms.max(1.0))?;
    chart
        .configure_mesh()
        .x_desc("concurrency")
        .y_desc("ms")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .draw()?;
    let band: Vec<(f64, f64)> = p99.iter().chain(p50.iter().rev()).copied().collect();
    if band.len() >= 3 {
        chart.draw_series(std::iter::once(Polygon::new(band, P99.mix(0.18).filled())))?;
    }
    chart
        .draw_series(LineSeries::new(p99, P99.stroke_width(2)))?
        .label("p99")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], P99.stroke_width(2)));
    chart
        .draw_series(LineSeries::new(p50, P50.stroke_width(2)))?
        .label("p50")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], P50.stroke_width(2)));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()?;
    Ok(())
}

/// One `(concurrency, value)` point per level, for a series against concurrency.
fn points(r: &BenchReport, value: impl Fn(&BenchRun) -> f64) -> Vec<(f64, f64)> {
    r.runs
        .iter()
        .map(|x| (x.concurrency as f64, value(x)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::Latency;
    use crate::bench::BenchRun;

    #[test]
    fn one_circle_per_level_in_a_well_formed_svg() {
        let runs: Vec<BenchRun> = [1usize, 2, 4, 8, 16]
            .iter()
            .map(|&c| BenchRun {
                concurrency: c,
                pages_per_sec: 10.0 * c.min(8) as f64,
                speedup: c.min(8) as f64,
                ideal_speedup: c as f64,
                latency_ms: Latency {
                    p50: 100.0,
                    p90: 120.0,
                    p99: 150.0 * (c as f64 / 8.0).max(1.0),
                    max: 400.0,
                },
                ..BenchRun::default()
            })
            .collect();
        let report = BenchReport {
            schema_version: 1,
            urls: 64,
            repetitions: 1,
            runs,
            speedup: 8.0,
            ideal_speedup: 8.0,
            efficiency: 1.0,
            limit: None,
            knee: None,
            machine: None,
            baseline: None,
        };
        let text = svg(&report).expect("draws");
        assert_eq!(text.matches("<circle").count(), 5, "{text}");
        let mut reader = quick_xml::Reader::from_str(&text);
        let mut depth = 0i64;
        loop {
            match reader.read_event().expect("well-formed XML") {
                quick_xml::events::Event::Start(_) => depth += 1,
                quick_xml::events::Event::End(_) => depth -= 1,
                quick_xml::events::Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(depth, 0, "every element closed");
        // A single level (sequential only) still draws.
        let mut one = report;
        one.runs.truncate(1);
        assert_eq!(svg(&one).expect("draws").matches("<circle").count(), 1);
    }
}
