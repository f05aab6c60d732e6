// The migrations are embedded in the binary: a new migration directory must rebuild it.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
