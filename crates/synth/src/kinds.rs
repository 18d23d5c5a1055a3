//! Appliance kinds: their controls (with alternative printed labels), the value dials their
//! knobs set, and their functions, each a sequence of 1 to 5 actions.
//!
//! Knobs are endless rotary encoders, as on most modern panels: turning clockwise raises the
//! value shown on the display, anticlockwise lowers it, and every function starts from the
//! dial's default value. The direction of a turn is therefore fixed by the function and its
//! target value, the same in the video, the script and the QAs.

/// What a control physically is. A `Button` is drawn as a push button or a touch key
/// depending on the panel's style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlType {
    Button,
    Knob,
}

/// The little symbol printed on or next to a control.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Icon {
    None,
    Play,
    Stop,
    Pause,
    Power,
    Plus,
    Minus,
    Clock,
    Up,
    Down,
    Star,
    Lock,
    Drop,
    Wave,
    Flame,
}

#[derive(Debug)]
pub struct ControlSpec {
    /// Key the functions refer to.
    pub id: &'static str,
    /// Alternative printed labels; each instance picks one.
    pub labels: &'static [&'static str],
    pub ty: ControlType,
    pub icon: Icon,
}

/// The values a knob steps through for one setting, in clockwise order.
#[derive(Debug, PartialEq)]
pub struct Dial {
    pub values: &'static [&'static str],
    /// How the narration and answers say a value: `{}` is replaced by it.
    pub spoken: &'static str,
    /// How the display shows it.
    pub shown: &'static str,
    /// Index of the value every function starts from.
    pub default: usize,
}

impl Dial {
    pub fn spoken(&self, index: usize) -> String {
        self.spoken.replace("{}", self.values[index])
    }

    pub fn shown(&self, index: usize) -> String {
        self.shown.replace("{}", self.values[index])
    }
}

#[derive(Debug)]
pub enum StepSpec {
    Press(&'static str),
    /// Press and hold for the given whole seconds.
    Hold(&'static str, u32),
    /// Turn a knob from the dial's default to a value chosen per function instance.
    Turn(&'static str, &'static Dial),
}

#[derive(Debug)]
pub struct FunctionSpec {
    /// Goal phrasings (verb phrases); `{v}` and `{w}` are the first and second turned values.
    pub goals: &'static [&'static str],
    pub steps: &'static [StepSpec],
    /// What the display shows once the function is done.
    pub done: &'static str,
}

#[derive(Debug)]
pub struct KindSpec {
    /// Folder prefix, e.g. `washingmachine` in `washingmachine_ab12c`.
    pub name: &'static str,
    /// How people call it.
    pub noun: &'static str,
    pub controls: &'static [ControlSpec],
    /// Extra controls an instance may or may not have (never used by a function).
    pub extras: &'static [ControlSpec],
    pub functions: &'static [FunctionSpec],
}

impl KindSpec {
    pub fn control(&self, id: &str) -> &ControlSpec {
        self.controls
            .iter()
            .find(|c| c.id == id)
            .unwrap_or_else(|| panic!("kind {} has no control {id}", self.name))
    }
}

use ControlType::{Button, Knob};
use StepSpec::{Hold, Press, Turn};

const fn button(id: &'static str, labels: &'static [&'static str], icon: Icon) -> ControlSpec {
    ControlSpec {
        id,
        labels,
        ty: Button,
        icon,
    }
}

const fn knob(id: &'static str, labels: &'static [&'static str]) -> ControlSpec {
    ControlSpec {
        id,
        labels,
        ty: Knob,
        icon: Icon::None,
    }
}

static MINUTES: Dial = Dial {
    values: &[
        "0", "1", "2", "3", "5", "8", "10", "12", "15", "20", "25", "30",
    ],
    spoken: "{} minutes",
    shown: "{}:00",
    default: 0,
};
static POWER_LEVEL: Dial = Dial {
    values: &["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"],
    spoken: "power level {}",
    shown: "PL{}",
    default: 9,
};
static WASH_PROGRAMMES: Dial = Dial {
    values: &[
        "Cotton",
        "Synthetics",
        "Mixed",
        "Wool",
        "Delicates",
        "Quick 15",
        "Rinse",
        "Spin",
    ],
    spoken: "{}",
    shown: "{}",
    default: 0,
};
static OVEN_MODES: Dial = Dial {
    values: &[
        "Conventional",
        "Fan",
        "Grill",
        "Fan Grill",
        "Pizza",
        "Defrost",
    ],
    spoken: "{}",
    shown: "{}",
    default: 0,
};
static OVEN_TEMPS: Dial = Dial {
    values: &["50", "100", "120", "150", "160", "180", "200", "220", "250"],
    spoken: "{} degrees",
    shown: "{}°C",
    default: 5,
};
static RICE_MENUS: Dial = Dial {
    values: &["White", "Brown", "Quick", "Porridge", "Steam", "Cake"],
    spoken: "{}",
    shown: "{}",
    default: 0,
};
static HOURS: Dial = Dial {
    values: &["0", "1", "2", "3", "4", "5", "6", "8", "10", "12"],
    spoken: "{} hours",
    shown: "{}h",
    default: 0,
};
static STRENGTH: Dial = Dial {
    values: &["1", "2", "3", "4", "5"],
    spoken: "strength {}",
    shown: "S{}",
    default: 2,
};
static CUP_SIZE: Dial = Dial {
    values: &["30", "40", "60", "80", "110", "150"],
    spoken: "{} millilitres",
    shown: "{}ml",
    default: 1,
};
static FRYER_TEMPS: Dial = Dial {
    values: &["80", "100", "120", "140", "160", "180", "200"],
    spoken: "{} degrees",
    shown: "{}°",
    default: 5,
};
static FRYER_MINUTES: Dial = Dial {
    values: &["5", "8", "10", "12", "15", "18", "20", "25", "30"],
    spoken: "{} minutes",
    shown: "{}m",
    default: 4,
};
static KETTLE_TEMPS: Dial = Dial {
    values: &["40", "50", "60", "70", "80", "90", "100"],
    spoken: "{} degrees",
    shown: "{}°C",
    default: 6,
};
static COPIES: Dial = Dial {
    values: &["1", "2", "3", "4", "5", "6", "8", "10"],
    spoken: "{} copies",
    shown: "x{}",
    default: 0,
};
static DISH_PROGRAMMES: Dial = Dial {
    values: &["Eco", "Auto", "Intensive", "Quick", "Glass", "Rinse"],
    spoken: "{}",
    shown: "{}",
    default: 0,
};

pub static KINDS: &[KindSpec] = &[
    KindSpec {
        name: "microwave",
        noun: "microwave",
        controls: &[
            button("power", &["Power", "Power Level", "Level"], Icon::Wave),
            button("timer", &["Time Cook", "Timer", "Cook Time"], Icon::Clock),
            button("defrost", &["Defrost", "Thaw"], Icon::Star),
            button("start", &["Start", "Start/+30s", "Go"], Icon::Play),
            button("stop", &["Stop/Cancel", "Stop", "Cancel"], Icon::Stop),
            knob("dial", &["Time", "Select", "Dial"]),
        ],
        extras: &[
            button("popcorn", &["Popcorn"], Icon::None),
            button("clock", &["Clock"], Icon::Clock),
            button("lock", &["Child Lock"], Icon::Lock),
        ],
        functions: &[
            FunctionSpec {
                goals: &[
                    "heat food for {v}",
                    "warm up my food for {v}",
                    "cook something for {v}",
                ],
                steps: &[Press("timer"), Turn("dial", &MINUTES), Press("start")],
                done: "COOK",
            },
            FunctionSpec {
                goals: &[
                    "defrost frozen food for {v}",
                    "thaw something for {v}",
                    "defrost meat for {v}",
                ],
                steps: &[Press("defrost"), Turn("dial", &MINUTES), Press("start")],
                done: "dEF",
            },
            FunctionSpec {
                goals: &[
                    "cook at {v} for {w}",
                    "heat food on {v} for {w}",
                    "microwave something at {v} for {w}",
                ],
                steps: &[
                    Press("power"),
                    Turn("dial", &POWER_LEVEL),
                    Press("timer"),
                    Turn("dial", &MINUTES),
                    Press("start"),
                ],
                done: "COOK",
            },
            FunctionSpec {
                goals: &[
                    "heat something for 30 seconds quickly",
                    "start a quick 30 second heating",
                    "use the quick start",
                ],
                steps: &[Press("start")],
                done: "0:30",
            },
            FunctionSpec {
                goals: &[
                    "reset the microwave",
                    "clear everything on the microwave",
                    "cancel all settings",
                ],
                steps: &[Hold("stop", 3)],
                done: "0:00",
            },
        ],
    },
    KindSpec {
        name: "washingmachine",
        noun: "washing machine",
        controls: &[
            button("power", &["Power", "On/Off"], Icon::Power),
            button("start", &["Start/Pause", "Start"], Icon::Play),
            knob("programme", &["Programme", "Program", "Cycle"]),
            button("temp", &["Temp", "Temperature"], Icon::Flame),
            button("spin", &["Spin", "Spin Speed"], Icon::Wave),
            button("delay", &["Delay", "Delay End", "Finish In"], Icon::Clock),
        ],
        extras: &[
            button("rinse", &["Extra Rinse", "Rinse+"], Icon::Drop),
            button("eco", &["Eco"], Icon::Star),
        ],
        functions: &[
            FunctionSpec {
                goals: &[
                    "wash clothes with the {v} programme",
                    "run a {v} cycle",
                    "start a {v} wash",
                ],
                steps: &[
                    Press("power"),
                    Turn("programme", &WASH_PROGRAMMES),
                    Press("start"),
                ],
                done: "WASH",
            },
            FunctionSpec {
                goals: &[
                    "delay the start of a {v} wash",
                    "set a {v} wash to finish later",
                    "schedule a {v} cycle for later",
                ],
                steps: &[
                    Press("power"),
                    Turn("programme", &WASH_PROGRAMMES),
                    Press("delay"),
                    Press("start"),
                ],
                done: "3:00",
            },
            FunctionSpec {
                goals: &[
                    "change the spin speed for a {v} wash",
                    "run a {v} wash with a different spin",
                    "adjust the spin and start a {v} cycle",
                ],
                steps: &[
                    Press("power"),
                    Turn("programme", &WASH_PROGRAMMES),
                    Press("spin"),
                    Press("temp"),
                    Press("start"),
                ],
                done: "WASH",
            },
            FunctionSpec {
                goals: &[
                    "pause the wash",
                    "pause the machine during a cycle",
                    "stop the wash for a moment",
                ],
                steps: &[Press("start")],
                done: "PAUSE",
            },
            FunctionSpec {
                goals: &[
                    "turn off the washing machine",
                    "switch the machine off",
                    "power the washer down",
                ],
                steps: &[Hold("power", 2)],
                done: "OFF",
            },
        ],
    },
    KindSpec {
        name: "oven",
        noun: "oven",
        controls: &[
            knob("mode", &["Function", "Mode", "Cooking Mode"]),
            knob("temp", &["Temp", "Temperature", "°C"]),
            button("timer", &["Timer", "Clock"], Icon::Clock),
            button("plus", &["+", "Up"], Icon::Plus),
            button("minus", &["-", "Down"], Icon::Minus),
            button("start", &["Start", "Start/OK"], Icon::Play),
            button("stop", &["Stop", "Off", "Cancel"], Icon::Stop),
            button("light", &["Light", "Lamp"], Icon::Star),
        ],
        extras: &[button("lock", &["Lock"], Icon::Lock)],
        functions: &[
            FunctionSpec {
                goals: &[
                    "bake on the {v} setting at {w}",
                    "cook with {v} at {w}",
                    "roast something using {v} at {w}",
                ],
                steps: &[
                    Turn("mode", &OVEN_MODES),
                    Turn("temp", &OVEN_TEMPS),
                    Press("start"),
                ],
                done: "HEAT",
            },
            FunctionSpec {
                goals: &[
                    "preheat the oven to {v}",
                    "warm the oven up to {v}",
                    "get the oven to {v}",
                ],
                steps: &[Turn("temp", &OVEN_TEMPS), Press("start")],
                done: "PRE",
            },
            FunctionSpec {
                goals: &[
                    "set a kitchen timer",
                    "set the oven timer",
                    "add a timer on the oven",
                ],
                steps: &[Press("timer"), Press("plus"), Press("plus"), Press("start")],
                done: "0:10",
            },
            FunctionSpec {
                goals: &[
                    "switch on the oven light",
                    "turn the lamp on",
                    "light up the inside of the oven",
                ],
                steps: &[Press("light")],
                done: "LAMP",
            },
            FunctionSpec {
                goals: &["stop cooking", "turn the oven off", "cancel the cooking"],
                steps: &[Hold("stop", 3)],
                done: "OFF",
            },
        ],
    },
    KindSpec {
        name: "ricecooker",
        noun: "rice cooker",
        controls: &[
            button("menu", &["Menu", "Select"], Icon::Up),
            button("cook", &["Cook", "Start"], Icon::Play),
            button("warm", &["Keep Warm", "Warm/Cancel"], Icon::Flame),
            button("timer", &["Timer", "Preset"], Icon::Clock),
            knob("dial", &["Setting", "Dial"]),
        ],
        extras: &[
            button("hour", &["Hour"], Icon::Up),
            button("minute", &["Min"], Icon::Up),
        ],
        functions: &[
            FunctionSpec {
                goals: &[
                    "cook rice on the {v} setting",
                    "make {v} rice",
                    "use the {v} menu",
                ],
                steps: &[Press("menu"), Turn("dial", &RICE_MENUS), Press("cook")],
                done: "COOK",
            },
            FunctionSpec {
                goals: &[
                    "have the rice ready in {v}",
                    "delay cooking by {v}",
                    "preset the cooker for {v} later",
                ],
                steps: &[Press("timer"), Turn("dial", &HOURS), Press("cook")],
                done: "PRE",
            },
            FunctionSpec {
                goals: &[
                    "keep the rice warm",
                    "switch to keep warm",
                    "keep cooked rice hot",
                ],
                steps: &[Press("warm")],
                done: "WARM",
            },
            FunctionSpec {
                goals: &[
                    "cancel cooking",
                    "stop the rice cooker",
                    "abort the current programme",
                ],
                steps: &[Hold("warm", 2)],
                done: "----",
            },
            FunctionSpec {
                goals: &[
                    "steam vegetables for {v}",
                    "use the steamer for {v}",
                    "steam something for {v}",
                ],
                steps: &[
                    Press("menu"),
                    Press("menu"),
                    Press("timer"),
                    Turn("dial", &MINUTES),
                    Press("cook"),
                ],
                done: "STEAM",
            },
        ],
    },
    KindSpec {
        name: "coffeemachine",
        noun: "coffee machine",
        controls: &[
            button("power", &["Power", "On/Off"], Icon::Power),
            button("espresso", &["Espresso", "1 Cup"], Icon::Drop),
            button("lungo", &["Lungo", "2 Cups"], Icon::Drop),
            button("steam", &["Steam", "Milk"], Icon::Wave),
            knob("strength", &["Strength", "Aroma"]),
            knob("size", &["Cup Size", "Volume"]),
            button("descale", &["Descale", "Clean"], Icon::Star),
        ],
        extras: &[button("water", &["Hot Water"], Icon::Drop)],
        functions: &[
            FunctionSpec {
                goals: &[
                    "make an espresso at {v}",
                    "brew an espresso with {v}",
                    "get a {v} espresso",
                ],
                steps: &[
                    Press("power"),
                    Turn("strength", &STRENGTH),
                    Press("espresso"),
                ],
                done: "BREW",
            },
            FunctionSpec {
                goals: &[
                    "make a {v} lungo",
                    "brew a long coffee of {v}",
                    "get a lungo with {v}",
                ],
                steps: &[Press("power"), Turn("size", &CUP_SIZE), Press("lungo")],
                done: "BREW",
            },
            FunctionSpec {
                goals: &[
                    "froth milk",
                    "steam milk for a cappuccino",
                    "make milk foam",
                ],
                steps: &[Press("power"), Hold("steam", 3)],
                done: "STEAM",
            },
            FunctionSpec {
                goals: &[
                    "descale the machine",
                    "run a cleaning cycle",
                    "clean the coffee machine",
                ],
                steps: &[Press("power"), Hold("descale", 3), Press("espresso")],
                done: "CLEAN",
            },
            FunctionSpec {
                goals: &[
                    "make a strong espresso at {v} of {w}",
                    "brew an espresso at {v} and {w}",
                    "get an espresso with {v} and {w}",
                ],
                steps: &[
                    Press("power"),
                    Turn("strength", &STRENGTH),
                    Turn("size", &CUP_SIZE),
                    Press("espresso"),
                ],
                done: "BREW",
            },
        ],
    },
    KindSpec {
        name: "airfryer",
        noun: "air fryer",
        controls: &[
            button("power", &["Power", "On/Off"], Icon::Power),
            knob("temp", &["Temp", "Temperature", "°C"]),
            knob("time", &["Time", "Timer", "Min"]),
            button("start", &["Start", "Start/Pause"], Icon::Play),
            button("fries", &["Fries", "Chips"], Icon::Star),
            button("chicken", &["Chicken", "Meat"], Icon::Flame),
        ],
        extras: &[
            button("fish", &["Fish"], Icon::Wave),
            button("shake", &["Shake"], Icon::Wave),
        ],
        functions: &[
            FunctionSpec {
                goals: &[
                    "air fry at {v} for {w}",
                    "cook food at {v} for {w}",
                    "fry something at {v} for {w}",
                ],
                steps: &[
                    Press("power"),
                    Turn("temp", &FRYER_TEMPS),
                    Turn("time", &FRYER_MINUTES),
                    Press("start"),
                ],
                done: "ON",
            },
            FunctionSpec {
                goals: &[
                    "make fries with the preset",
                    "cook chips using the preset",
                    "use the fries programme",
                ],
                steps: &[Press("power"), Press("fries"), Press("start")],
                done: "ON",
            },
            FunctionSpec {
                goals: &[
                    "cook chicken for {v}",
                    "roast chicken wings for {v}",
                    "make chicken in {v}",
                ],
                steps: &[
                    Press("power"),
                    Press("chicken"),
                    Turn("time", &FRYER_MINUTES),
                    Press("start"),
                ],
                done: "ON",
            },
            FunctionSpec {
                goals: &[
                    "change the temperature to {v}",
                    "lower or raise the heat to {v}",
                    "set the fryer to {v}",
                ],
                steps: &[Press("power"), Turn("temp", &FRYER_TEMPS)],
                done: "SET",
            },
            FunctionSpec {
                goals: &[
                    "turn off the air fryer",
                    "switch the fryer off",
                    "power down the air fryer",
                ],
                steps: &[Hold("power", 2)],
                done: "OFF",
            },
        ],
    },
    KindSpec {
        name: "kettle",
        noun: "kettle",
        controls: &[
            button("power", &["On/Off", "Power", "Boil"], Icon::Power),
            knob("temp", &["Temp", "Temperature"]),
            button("warm", &["Keep Warm", "Warm"], Icon::Flame),
            button("tea", &["Tea", "Green Tea"], Icon::Drop),
        ],
        extras: &[
            button("coffee", &["Coffee"], Icon::Drop),
            button("baby", &["Baby"], Icon::Star),
        ],
        functions: &[
            FunctionSpec {
                goals: &["boil water", "bring water to the boil", "get boiling water"],
                steps: &[Press("power")],
                done: "BOIL",
            },
            FunctionSpec {
                goals: &[
                    "heat water to {v}",
                    "warm water to exactly {v}",
                    "get water at {v}",
                ],
                steps: &[Turn("temp", &KETTLE_TEMPS), Press("power")],
                done: "HEAT",
            },
            FunctionSpec {
                goals: &[
                    "boil water and keep it warm",
                    "keep the water hot after boiling",
                    "use keep warm",
                ],
                steps: &[Press("warm"), Press("power")],
                done: "WARM",
            },
            FunctionSpec {
                goals: &[
                    "make water for green tea",
                    "use the tea preset",
                    "heat water for tea",
                ],
                steps: &[Press("tea"), Press("power")],
                done: "80°C",
            },
            FunctionSpec {
                goals: &["cancel heating", "stop the kettle", "switch the kettle off"],
                steps: &[Hold("power", 2)],
                done: "OFF",
            },
        ],
    },
    KindSpec {
        name: "printer",
        noun: "printer",
        controls: &[
            button("power", &["Power"], Icon::Power),
            button("copy", &["Copy", "B/W Copy", "Mono"], Icon::Play),
            button("colour", &["Color Copy", "Colour", "Color"], Icon::Play),
            button("cancel", &["Cancel", "Stop"], Icon::Stop),
            button("wifi", &["Wi-Fi", "WiFi", "Wireless"], Icon::Wave),
            knob("copies", &["Copies", "Qty"]),
        ],
        extras: &[
            button("scan", &["Scan"], Icon::Up),
            button("info", &["Info"], Icon::None),
        ],
        functions: &[
            FunctionSpec {
                goals: &[
                    "make a black and white copy",
                    "photocopy a page in black and white",
                    "copy a document in mono",
                ],
                steps: &[Press("copy")],
                done: "COPY",
            },
            FunctionSpec {
                goals: &[
                    "make {v} in colour",
                    "print {v} of a page in colour",
                    "colour copy a page, {v}",
                ],
                steps: &[Turn("copies", &COPIES), Press("colour")],
                done: "COPY",
            },
            FunctionSpec {
                goals: &[
                    "connect the printer to Wi-Fi",
                    "set up the wireless connection",
                    "pair the printer with my router",
                ],
                steps: &[Hold("wifi", 3)],
                done: "WPS",
            },
            FunctionSpec {
                goals: &[
                    "cancel a print job",
                    "stop printing",
                    "abort the current job",
                ],
                steps: &[Press("cancel")],
                done: "CANCEL",
            },
            FunctionSpec {
                goals: &[
                    "make {v} in black and white",
                    "photocopy {v} in mono",
                    "get {v} without colour",
                ],
                steps: &[Press("power"), Turn("copies", &COPIES), Press("copy")],
                done: "COPY",
            },
        ],
    },
    KindSpec {
        name: "dishwasher",
        noun: "dishwasher",
        controls: &[
            button("power", &["Power", "On/Off"], Icon::Power),
            knob("programme", &["Programme", "Program"]),
            button("half", &["Half Load", "1/2"], Icon::Star),
            button("delay", &["Delay", "Delay Start"], Icon::Clock),
            button("start", &["Start", "Start/Reset"], Icon::Play),
        ],
        extras: &[
            button("dry", &["Extra Dry"], Icon::Flame),
            button("lock", &["Lock"], Icon::Lock),
        ],
        functions: &[
            FunctionSpec {
                goals: &[
                    "run the {v} programme",
                    "wash the dishes on {v}",
                    "start a {v} wash",
                ],
                steps: &[
                    Press("power"),
                    Turn("programme", &DISH_PROGRAMMES),
                    Press("start"),
                ],
                done: "WASH",
            },
            FunctionSpec {
                goals: &[
                    "wash half a load on {v}",
                    "run a half load with {v}",
                    "do a small load on {v}",
                ],
                steps: &[
                    Press("power"),
                    Turn("programme", &DISH_PROGRAMMES),
                    Press("half"),
                    Press("start"),
                ],
                done: "1/2",
            },
            FunctionSpec {
                goals: &[
                    "delay the wash by two hours",
                    "start the dishwasher two hours later",
                    "set a two hour delay",
                ],
                steps: &[
                    Press("power"),
                    Press("delay"),
                    Press("delay"),
                    Press("start"),
                ],
                done: "2h",
            },
            FunctionSpec {
                goals: &[
                    "reset the dishwasher",
                    "cancel the running programme",
                    "stop the dishwasher",
                ],
                steps: &[Hold("start", 3)],
                done: "----",
            },
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_are_well_formed() {
        assert!(KINDS.len() >= 8);
        for kind in KINDS {
            for f in kind.functions {
                assert!((1..=5).contains(&f.steps.len()), "{}", kind.name);
                let turns = f
                    .steps
                    .iter()
                    .filter(|s| matches!(s, StepSpec::Turn(..)))
                    .count();
                for g in f.goals {
                    assert_eq!(g.contains("{v}"), turns >= 1, "{g}");
                    assert_eq!(g.contains("{w}"), turns >= 2, "{g}");
                }
                for s in f.steps {
                    match s {
                        StepSpec::Press(id) | StepSpec::Hold(id, _) => {
                            assert_eq!(kind.control(id).ty, ControlType::Button, "{id}")
                        }
                        StepSpec::Turn(id, dial) => {
                            assert_eq!(kind.control(id).ty, ControlType::Knob, "{id}");
                            assert!(dial.default < dial.values.len());
                        }
                    }
                }
            }
        }
    }
}
