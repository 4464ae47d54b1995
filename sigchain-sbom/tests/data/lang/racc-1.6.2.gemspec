# stub: racc 1.6.2 ruby lib
Gem::Specification.new do |s|
  s.name = "racc"
  s.version = VERSION
  s.licenses = ["Ruby".freeze, "BSD-2-Clause".freeze]
end
