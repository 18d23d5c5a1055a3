//! Sizes and times read from files are bounded: a crafted hour or coordinate is an error naming
//! the line and field, never an overflow.

use std::path::Path;

use assistq::buttons::Buttons;
use assistq::script::Script;

#[test]
fn huge_hours_and_coordinates_are_errors_naming_the_line() {
    let path = Path::new("script.txt");
    let err = Script::parse(
        "0:00:00-0:00:02 Fine.\n18446744073709551615:00:00-18446744073709551615:00:01 Huge.\n",
        path,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("line 2") && err.contains("too large"), "{err}");
    let err = Script::parse("99999999:00:00-99999999:00:01 Too late.\n", path)
        .unwrap_err()
        .to_string();
    assert!(err.contains("at most 99999"), "{err}");

    let path = Path::new("buttons.csv");
    for line in [
        "button1,9223372036854775807,0,10,10,a.jpg,100,100",
        "button1,0,0,9223372036854775807,10,a.jpg,100,100",
        "button1,0,0,10,10,a.jpg,100,-9223372036854775808",
    ] {
        let err = Buttons::parse(&format!("{line}\n"), path)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 1") && err.contains("at most 1000000"),
            "{line}: {err}"
        );
    }
    Buttons::parse("button1,0,0,10,10,a.jpg,100,100\n", path).unwrap();
}
