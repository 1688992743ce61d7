mod sandbox_walkthrough;

fn main() {}
